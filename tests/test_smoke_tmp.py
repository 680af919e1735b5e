from tests.conftest import query
def test_smoke(build_data):
    result, wh = build_data(deals="d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,https://x,\n")
    assert result.published, result.failures
    assert query(wh, "select invested_usd_m::double from marts.investment_totals") == [(100.0,)]
