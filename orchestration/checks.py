"""The Great Expectations half of the gate as blocking Dagster asset checks, gx_<suite>
(the dbt data tests are asset checks of their models, from dagster-dbt): the publish asset
runs only when every one passed."""

from collections.abc import Iterator

import dagster as dg

from circularity import explain, pipeline
from circularity.validation import ValidationReport, suite_names
from circularity.workspace import Workspace
from orchestration.resources import CircularityResource, run_key


def _suite_asset(suite: str) -> dg.AssetKey:
    # The inputs suite accounts every file for in the fact tables and rejected_rows.
    return dg.AssetKey(["marts", "rejected_rows" if suite == "inputs" else suite])


def gate_checks() -> dg.AssetChecksDefinition:
    suites = suite_names()

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                name=f"gx_{suite}",
                asset=_suite_asset(suite),
                blocking=True,
                description=f"Great Expectations suite '{suite}' (expectations/{suite}.json)",
            )
            for suite in suites
        ],
    )
    def great_expectations_gates(
        context: dg.AssetCheckExecutionContext, circularity: CircularityResource
    ) -> Iterator[dg.AssetCheckResult]:
        """validate: the whole gate in one pass, as every door runs it."""
        build = circularity.build_config()
        workspace = Workspace(build.warehouse, run_key(context))
        report = pipeline.validate(workspace, build)
        gate_explanation = _explanation(workspace, report, build.max_rejected_share)
        for suite in suites:
            outcomes = [outcome for outcome in report.outcomes if outcome.suite == suite]
            failed = [outcome for outcome in outcomes if not outcome.success]
            explanation = gate_explanation if failed else None
            plain = {"explanation": dg.MetadataValue.md(explanation)} if explanation else {}
            yield dg.AssetCheckResult(
                check_name=f"gx_{suite}",
                asset_key=_suite_asset(suite),
                passed=bool(outcomes) and not failed,
                severity=dg.AssetCheckSeverity.ERROR,
                description=explanation,
                metadata={
                    **plain,
                    "evaluated": len(outcomes),
                    "failed": len(failed),
                    "failures": dg.MetadataValue.md(
                        "\n".join(f"- {outcome.describe()}" for outcome in failed) or "none"
                    ),
                    "data_docs": dg.MetadataValue.path(str(workspace.data_docs / "index.html")),
                },
            )

    return great_expectations_gates


def _explanation(workspace: Workspace, report: ValidationReport, max_share: float) -> str | None:
    """A failed gate in the user's words, as the CLI prints it (per input file: what is
    wrong, how often, the first line, the fix), read from the failed build kept for
    inspection."""
    if report.success:
        return None
    failed_build = workspace.failed_folder / workspace.database.name
    lines = explain.plain_failures(
        failed_build if failed_build.exists() else workspace.database,
        report,
        max_share,
        allow_more="the circularity resource's max_rejected_share",
    )
    return "\n".join(lines) or None
