"""The independent line count and header check of the input files."""

from __future__ import annotations

from pathlib import Path

import pytest

from circularity.inputs import InputError, check_data_dir, count_data_lines, read_header
from tests.conftest import write_data_dir


def test_count_skips_header_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n\r\n   \n3,\"x\"\n4,5")
    assert count_data_lines(path) == 3


def test_header_is_trimmed_lowercased_and_bom_free(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xef\xbb\xbf Deal_ID ,\"notes\"\n")
    assert read_header(path) == ("deal_id", "notes")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = write_data_dir(tmp_path / "d")
    (data / "pledges.csv").unlink()
    (data / "fx_rates.csv").write_text("currency,date,usd_per_unit\n")
    with pytest.raises(InputError) as caught:
        check_data_dir(data)
    message = str(caught.value)
    assert "pledges.csv: missing input file" in message
    assert "fx_rates.csv, line 1: missing column 'rate_date'" in message
