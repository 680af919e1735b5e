"""dbt's templates compiled once per user: the same rendering from the cache, a damaged or
missing cache only costs a compile, and nothing that shapes the code is shared wrongly."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_common.clients import jinja as dbt_jinja
from dbt_common.exceptions import CompilationError

from circularity.template_cache import (
    BestEffortBytecodeCache,
    environment_signature,
    keep_dbt_templates_compiled,
)


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Put dbt's environment back as it was after the test, and record every source
    that Jinja really compiles (dbt's own hook between code generation and Python)."""
    environment = dbt_jinja.MacroFuzzEnvironment
    monkeypatch.setattr(environment, "compile", environment.compile)
    compile_python = environment._compile
    calls: list[str] = []

    def counted(self, source: str, filename: str):  # noqa: ANN001, ANN202
        calls.append(source)
        return compile_python(self, source, filename)

    monkeypatch.setattr(environment, "_compile", counted)
    return calls


def render(source: str, native: bool = False) -> object:
    context = {"rows": [3, 1, 2]}
    return dbt_jinja.get_template(source, context, native=native).render(context)


MACRO = "{% for row in rows if row > 1 %}{{ row }},{% endfor %} of {{ rows | sum }}"


def test_a_template_compiles_once_then_comes_from_the_cache(
    tmp_path: Path, compiles: list[str]
) -> None:
    expected = render(MACRO)
    assert expected == "3,2, of 6" and len(compiles) == 1
    keep_dbt_templates_compiled(BestEffortBytecodeCache(str(tmp_path)))

    assert render(MACRO) == expected and len(compiles) == 2  # compiled once more, kept
    assert len(list(tmp_path.iterdir())) == 1
    assert render(MACRO) == expected and len(compiles) == 2  # another run: from the file
    assert render(MACRO.replace("sum", "min")) == "3,2, of 1" and len(compiles) == 3


def test_native_and_text_environments_keep_their_own_code(
    tmp_path: Path, compiles: list[str]
) -> None:
    keep_dbt_templates_compiled(BestEffortBytecodeCache(str(tmp_path)))
    source = "{{ rows | length }}"
    assert render(source) == "3"
    assert render(source, native=True) == 3  # a number, not text: NativeCodeGenerator
    assert render(source) == "3" and render(source, native=True) == 3
    assert len(compiles) == 2
    text = dbt_jinja.get_environment()
    native = dbt_jinja.get_environment(native=True)
    assert environment_signature(text) != environment_signature(native)
    assert environment_signature(text) == environment_signature(dbt_jinja.get_environment())
    text.filters["extra"] = str
    assert environment_signature(text) != environment_signature(dbt_jinja.get_environment())


def test_a_damaged_or_unwritable_cache_only_compiles_again(
    tmp_path: Path, compiles: list[str]
) -> None:
    keep_dbt_templates_compiled(BestEffortBytecodeCache(str(tmp_path)))
    assert render(MACRO) == "3,2, of 6"
    (entry,) = tmp_path.iterdir()
    entry.write_bytes(entry.read_bytes()[:20])
    assert render(MACRO) == "3,2, of 6" and len(compiles) == 2

    gone = tmp_path / "gone"  # a cache folder that cannot be written: compiles every time
    keep_dbt_templates_compiled(BestEffortBytecodeCache(str(gone)))
    assert render(MACRO) == render(MACRO) == "3,2, of 6"
    assert not gone.exists() and len(compiles) == 4


def test_a_broken_template_fails_as_dbt_reports_it_and_is_not_kept(
    tmp_path: Path, compiles: list[str]
) -> None:
    keep_dbt_templates_compiled(BestEffortBytecodeCache(str(tmp_path)))
    with pytest.raises(CompilationError, match="endmacro"):
        render("{% macro broken() %}")
    assert list(tmp_path.iterdir()) == []
