"""Great Expectations suites as blocking Dagster asset checks named gx_<suite>: the publish
asset runs only when every one passed."""

from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from circularity import pipeline, publish
from circularity.validation import suite_names
from circularity.workspace import Workspace
from orchestration.resources import CircularityResource

# The input accounting compares every file with its fact tables and rejected_rows.
SUITE_ASSETS = {
    name: AssetKey(["marts", "rejected_rows" if name == "inputs" else name])
    for name in suite_names()
}


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            name=f"gx_{suite}",
            asset=key,
            blocking=True,
            description=f"Great Expectations suite '{suite}' (expectations/{suite}.json)",
        )
        for suite, key in SUITE_ASSETS.items()
    ],
)
def great_expectations_gates(
    context: AssetCheckExecutionContext, circularity: CircularityResource
) -> Iterator[AssetCheckResult]:
    """All suites in one pass over the build, as the CLI runs them; data docs are written
    for failed runs too."""
    config = circularity.build_config()
    workspace = Workspace(config.warehouse, context.run.run_id)
    report = pipeline.validate(workspace, config)
    for suite, key in SUITE_ASSETS.items():
        outcomes = [outcome for outcome in report.outcomes if outcome.suite == suite]
        failed = [outcome for outcome in outcomes if not outcome.success]
        yield AssetCheckResult(
            check_name=f"gx_{suite}",
            asset_key=key,
            passed=bool(outcomes) and not failed,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "evaluated": len(outcomes),
                "failed": len(failed),
                "failures": MetadataValue.md(
                    "\n".join(f"- {outcome.describe()}" for outcome in failed) or "none"
                ),
                "data_docs": MetadataValue.path(str(workspace.data_docs / "index.html")),
            },
        )
    if not report.success:
        publish.keep_failed(workspace)
