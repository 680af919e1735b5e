"""The CLI's dbt child builds dbt's macro namespaces in fewer steps (`dbt_macros`): the same
MacroGenerator objects in the same places and order as dbt's own builder, and the same
context once copied in."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_script


def test_macro_namespaces_are_dbts_own(tmp_path: Path) -> None:
    script = f"""
        import json, os
        from pathlib import Path
        from circularity.dbt_runner import PROJECT_DIR, dbt_step

        target = Path({str(tmp_path)!r}) / "target"
        step = dbt_step(Path({str(tmp_path)!r}) / "b.duckdb", PROJECT_DIR / "seeds", None, target)
        os.environ.update(step.env)
        os.chdir(step.cwd)
        from dbt.cli.main import dbtRunner
        from dbt.clients.jinja import MacroGenerator, MacroStack
        from dbt.context.macros import MacroNamespaceBuilder
        from dbt.exceptions import DuplicateMacroNameError
        from circularity.dbt_macros import build_macro_namespaces_quickly, flattened

        parsed = dbtRunner().invoke([
            "parse", "--quiet", "--project-dir", str(PROJECT_DIR), "--profiles-dir",
            str(PROJECT_DIR), "--target-path", str(target), "--log-path", str(target),
        ])
        assert parsed.success, parsed.exception
        macros = parsed.result.get_macros_by_package()
        node, stack, context = object(), MacroStack(), {{}}

        def builder():
            return MacroNamespaceBuilder("circularity", "circularity", stack,
                                         ["dbt_duckdb", "dbt"], node)

        def shape(namespace):
            def places(names):
                return [[name, generator.macro.unique_id, generator.context is context,
                         generator.node is node, generator.stack is stack]
                        for name, generator in names.items()]
            return {{
                "globals": places(namespace.global_namespace),
                "locals": places(namespace.local_namespace),
                "global_project": places(namespace.global_project_namespace),
                "packages": {{package: places(names)
                              for package, names in namespace.packages.items()}},
            }}

        dbts = builder().build_namespace(macros, context)
        build_macro_namespaces_quickly()
        build_macro_namespaces_quickly()  # a second call changes nothing
        quick = builder().build_namespace(macros, context)
        copied = {{}}
        copied.update(quick)  # dbt's copy: a lookup of every name through the Mapping
        flat = flattened(quick)

        # A builder that already holds a macro takes dbt's path, and its checks.
        holding = builder()
        first = next(iter(macros["circularity"].values()))
        holding.add_macro(first, context)
        try:
            holding.build_namespace(macros, context)
            duplicate = "not raised"
        except DuplicateMacroNameError:
            duplicate = "raised"

        print(json.dumps({{
            "macros": sum(map(len, macros.values())) > 500,
            "same": shape(quick) == shape(dbts),
            "patched": MacroNamespaceBuilder.build_namespace.builds_quickly,
            "generators": isinstance(quick["run_query"], MacroGenerator),
            "copied": flat.keys() == copied.keys()
                      and all(flat[name] is copied[name] for name in copied),
            "local_wins": flat["generate_schema_name"].macro.package_name,
            "duplicate": duplicate,
        }}))
    """
    assert run_script(script) == {
        "macros": True,
        "same": True,
        "patched": True,
        "generators": True,
        "copied": True,
        "local_wins": "circularity",
        "duplicate": "raised",
    }
