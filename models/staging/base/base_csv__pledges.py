def model(dbt, session):
    """Every physical line of pledges.csv after the header, read by circularity.ingest."""
    from circularity.ingest import load_input

    return load_input(session, dbt.config.get("data_dir"), "pledges.csv")
