"""dbt's configuration schemas kept per user: dbt validates exactly as before, takes the
schemas from the file when it has them, and builds them again when the file is damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbt.contracts.project import Project
from dbt_common.dataclass_schema import ValidationError, dbtClassMixin
from mashumaro.jsonschema import build_json_schema

from circularity.schema_cache import keep_dbt_schemas, schema_file

PROJECT_NAME = f"{Project.__module__}.{Project.__qualname__}"
GOOD_PROJECT = {"name": "circularity", "version": "1.0", "profile": "circularity"}


@pytest.fixture(autouse=True)
def dbt_builds_its_schemas_again_after_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbtClassMixin, "json_schema", dbtClassMixin.__dict__["json_schema"])


def test_schemas_built_once_are_written_and_validate_as_dbt_does(tmp_path: Path) -> None:
    save = keep_dbt_schemas(tmp_path)
    Project.validate(GOOD_PROJECT)
    with pytest.raises(ValidationError, match="is not of type 'string'"):
        Project.validate({**GOOD_PROJECT, "name": 5})
    save()

    stored = json.loads(schema_file(tmp_path).read_text())
    assert stored[PROJECT_NAME] == json.loads(json.dumps(build_json_schema(Project).to_dict()))
    assert schema_file(tmp_path).stat().st_mode & 0o777 == 0o600
    assert [path.name for path in tmp_path.iterdir()] == [schema_file(tmp_path).name]


def test_the_next_run_takes_the_schemas_from_the_file(tmp_path: Path) -> None:
    # A schema that only the file holds, to see that it is the one dbt validates with.
    path = schema_file(tmp_path)
    path.write_text(json.dumps({PROJECT_NAME: {"type": "object", "required": ["from_file"]}}))
    keep_dbt_schemas(tmp_path)
    with pytest.raises(ValidationError, match="'from_file' is a required property"):
        Project.validate(GOOD_PROJECT)


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", ""])
def test_a_damaged_file_only_means_building_the_schemas_again(tmp_path: Path, damage: str) -> None:
    path = schema_file(tmp_path)
    path.write_text(damage)
    save = keep_dbt_schemas(tmp_path)
    Project.validate(GOOD_PROJECT)
    save()
    assert PROJECT_NAME in json.loads(path.read_text())


def test_an_unwritable_folder_only_means_building_them_every_time(tmp_path: Path) -> None:
    save = keep_dbt_schemas(tmp_path / "gone")
    Project.validate(GOOD_PROJECT)
    save()
    assert not (tmp_path / "gone").exists()
