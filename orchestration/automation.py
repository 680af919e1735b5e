"""When the warehouse is rebuilt: every day, and whenever a CSV of the data directory
changes."""

import hashlib
import json

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    sensor,
)

from circularity.inputs import fingerprint
from orchestration.resources import CircularityResource

build_warehouse = define_asset_job(
    "build_warehouse",
    selection=AssetSelection.all() - AssetSelection.groups("inputs"),
    description="prepare and transform (dbt build with its data tests), validate (the "
    "Great Expectations gates), publish: the pipeline's steps, in its order.",
)

daily_build = ScheduleDefinition(
    name="daily_build",
    job=build_warehouse,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.STOPPED,
)


@sensor(
    job=build_warehouse,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.STOPPED,
    description="Starts a build when a CSV file in the data directory is added, removed or "
    "changes content (a touch alone does not count).",
)
def csv_change_sensor(
    context: SensorEvaluationContext, circularity: CircularityResource
) -> SensorResult | SkipReason:
    data_dir = circularity.build_config().data_dir
    previous = json.loads(context.cursor) if context.cursor else None
    current = fingerprint(data_dir, previous or {})
    cursor = json.dumps(current, sort_keys=True)
    if previous is None:
        return SensorResult(
            skip_reason="first look at the data directory: state recorded", cursor=cursor
        )
    changed = sorted(
        name
        for name in set(previous) | set(current)
        if (previous.get(name) or [None] * 3)[2] != (current.get(name) or [None] * 3)[2]
    )
    if not changed:
        return SensorResult(skip_reason="no CSV changed", cursor=cursor)
    return SensorResult(
        run_requests=[
            RunRequest(
                run_key=hashlib.sha256(cursor.encode()).hexdigest()[:16],
                tags={"circularity/changed": ",".join(changed)},
            )
        ],
        cursor=cursor,
    )
