def model(dbt, session):
    """Every physical line of deals.csv after the header, read by circularity.ingest."""
    from circularity.ingest import load_input

    return load_input(session, dbt.config.get("data_dir"), "deals.csv")
