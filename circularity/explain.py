"""A failed gate in the user's words: per input file, what is wrong, how often, the first
line where it happens and what to do; the checks' own detail follows for those who want
it. Reads the failed build's gates models (gate_inputs, gate_rejection_reasons)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from circularity.inputs import shown_text
from circularity.validation import ValidationReport

_RECORD_SHOWN = 120


def plain_failures(
    database: Path | None,
    report: ValidationReport,
    max_share: float,
    allow_more: str = "--max-rejected-share",
) -> list[str]:
    """The first lines of a failed build's message, most useful first. `allow_more` names
    the setting that raises the share of rejected records a build allows, as the door that
    ran the build calls it."""
    failed = report.failures()
    lines: list[str] = []
    if database is not None and database.exists():
        lines.extend(_input_lines(database, failed, max_share, allow_more))
    internal = [
        outcome
        for outcome in failed
        if outcome.suite != "inputs" or outcome.column_name != "rejected_share"
    ]
    if internal:
        lines.append(
            f"{len(internal)} check(s) of the warehouse itself failed (listed below): the "
            "input files were read, but the tables built from them break a rule they must "
            "keep. This is a bug in Circularity, not in your files: please report it with "
            "the files."
        )
    return lines


def _input_lines(database: Path, failed: list, max_share: float, allow_more: str) -> list[str]:
    if not any(o.suite == "inputs" and o.column_name == "rejected_share" for o in failed):
        return []
    connection = duckdb.connect(str(database), read_only=True)
    try:
        files = connection.execute(
            "select source_file, records, rejected_rows, rejected_share from gates.gate_inputs"
            " where rejected_share > ? order by source_file",
            [max_share],
        ).fetchall()
        lines = []
        for name, records, rejected, share in files:
            lines.append(
                f"{name}: {rejected:,} of {records:,} records are rejected ({share:.0%}; a "
                f"build allows {max_share:.0%}), which looks like a systematic error:"
            )
            reasons = connection.execute(
                "select rejected_rows, first_line, first_record, first_reason"
                " from gates.gate_rejection_reasons where source_file = ?"
                " order by rejected_rows desc, first_line limit 3",
                [name],
            ).fetchall()
            for count, line, record, reason in reasons:
                cut = record if len(record) <= _RECORD_SHOWN else record[:_RECORD_SHOWN] + "…"
                shown = shown_text(cut)
                lines.append(f"  {count:,} x {reason} (first on line {line}: `{shown}`)")
            lines.append(
                f"  fix these rows of {name} (every rejected row is listed in the failed "
                f"build's marts.rejected_rows), or allow more with {allow_more}"
            )
        return lines
    except duckdb.Error:
        return []
    finally:
        connection.close()
