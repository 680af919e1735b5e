"""The CLI's dbt child types query results with agate's date types sharing a locale's
parser tables (`dbt_results`), and reads dates as before."""

from __future__ import annotations

from tests.conftest import run_script


def test_query_results_share_a_locale_and_still_read_dates() -> None:
    script = """
        import datetime, json
        import agate
        from circularity.dbt_results import share_date_locales

        before = agate.data_types.Date()._constants is agate.data_types.Date()._constants
        share_date_locales()
        share_date_locales()  # a second call changes nothing
        dates = [agate.data_types.Date(), agate.data_types.Date(date_format="%Y-%m-%d")]
        moment = agate.data_types.DateTime()
        table = agate.Table([["2024-01-02"]], ["day"])  # typed as dbt types results
        print(json.dumps({
            "shared_before": before,
            "shared": dates[0]._constants is dates[1]._constants is moment._constants,
            "own_parsers": dates[0]._parser is not dates[1]._parser,
            "read": [str(dates[0].cast("January 2, 2024")), str(dates[1].cast("2024-01-02")),
                     str(moment.cast("2024-01-02 03:04:05"))],
            "typed": [type(column.data_type).__name__ for column in table.columns],
        }))
    """
    assert run_script(script) == {
        "shared_before": False,
        "shared": True,
        "own_parsers": True,
        "read": ["2024-01-02", "2024-01-02", "2024-01-02 03:04:05"],
        "typed": ["Date"],
    }
