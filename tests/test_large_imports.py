"""Large libraries are imported without garbage collections, then frozen
(`circularity.large_imports`). Each case runs in a process of its own: freezing is for the
life of a process."""

from __future__ import annotations

from tests.conftest import run_script


def test_an_import_runs_no_collection_and_its_objects_are_frozen() -> None:
    outcome = run_script(
        """
        import gc, json
        from circularity.large_imports import collector_paused

        def collections():
            return sum(generation["collections"] for generation in gc.get_stats())

        before = collections()
        with collector_paused():
            enabled_inside = gc.isenabled()
            import email.mime.multipart, xml.dom.minidom, http.server  # thousands of objects
            during = collections()
        frozen = gc.get_freeze_count()

        class Cycle:
            pass

        garbage = Cycle()
        garbage.itself = garbage
        del garbage
        print(json.dumps({
            "enabled_inside": enabled_inside,
            "collections_during": during - before,
            "frozen": frozen,
            "enabled_after": gc.isenabled(),
            "collected_after": gc.collect(),
        }))
        """
    )
    assert outcome["enabled_inside"] is False
    assert outcome["collections_during"] == 0
    assert outcome["frozen"] > 10_000
    assert outcome["enabled_after"] is True
    assert outcome["collected_after"] >= 1  # the collector works again after the block


def test_the_collector_comes_back_after_a_failed_import() -> None:
    outcome = run_script(
        """
        import gc, json
        from circularity.large_imports import collector_paused

        try:
            with collector_paused():
                import a_module_that_does_not_exist  # noqa: F401
        except ImportError as error:
            raised = type(error).__name__
        print(json.dumps({"raised": raised, "enabled_after": gc.isenabled()}))
        """
    )
    assert outcome == {"raised": "ModuleNotFoundError", "enabled_after": True}


def test_a_collector_turned_off_before_stays_off() -> None:
    outcome = run_script(
        """
        import gc, json
        from circularity.large_imports import collector_paused

        gc.disable()
        with collector_paused():
            import email.mime.multipart  # noqa: F401
        print(json.dumps({"enabled_after": gc.isenabled()}))
        """
    )
    assert outcome == {"enabled_after": False}


def test_a_deferred_module_runs_on_first_use_and_from_imports_bind_it() -> None:
    outcome = run_script(
        """
        import json, sys
        from circularity.large_imports import defer_until_used

        defer_until_used("xml.dom.minidom")
        ran_when_deferred = "xml.dom.minicompat" in sys.modules  # minidom imports it
        from xml.dom import minidom
        from xml.dom import minidom as same
        ran_when_bound = "xml.dom.minicompat" in sys.modules
        tag = minidom.parseString("<deal/>").documentElement.tagName
        print(json.dumps({
            "ran_when_deferred": ran_when_deferred,
            "ran_when_bound": ran_when_bound,
            "same_module": same is minidom,
            "tag": tag,
            "ran_when_used": "xml.dom.minicompat" in sys.modules,
        }))
        """
    )
    assert outcome == {
        "ran_when_deferred": False,
        "ran_when_bound": False,
        "same_module": True,
        "tag": "deal",
        "ran_when_used": True,
    }


def test_deferring_a_missing_module_changes_nothing() -> None:
    outcome = run_script(
        """
        import json, sys
        from circularity.large_imports import defer_until_used

        defer_until_used("a_module_that_does_not_exist")
        defer_until_used("json.a_submodule_that_does_not_exist")
        print(json.dumps({
            "bound": [name for name in sys.modules if "does_not_exist" in name],
        }))
        """
    )
    assert outcome == {"bound": []}


def test_great_expectations_loads_without_scipy_stats_until_an_expectation_uses_it() -> None:
    outcome = run_script(
        """
        import json, sys
        from circularity import validation

        validation.great_expectations()
        deferred = "scipy.stats._stats_py" not in sys.modules
        # The one place of GX's expectations that uses it, called as GX calls it.
        from great_expectations.expectations.core import (
            expect_column_kl_divergence_to_be_less_than as kl_divergence,
        )
        entropy = float(kl_divergence.stats.entropy([1, 3], [1, 3]))
        print(json.dumps({
            "deferred": deferred,
            "entropy": entropy,
            "loaded_when_used": "scipy.stats._stats_py" in sys.modules,
        }))
        """
    )
    assert outcome == {"deferred": True, "entropy": 0.0, "loaded_when_used": True}


def test_a_hidden_package_cannot_be_imported_in_the_block_and_can_after_it() -> None:
    outcome = run_script(
        """
        import json, sys
        from circularity.large_imports import packages_hidden

        with packages_hidden("csv", "json"):
            try:
                import csv
                hidden = False
            except ImportError:
                hidden = True
            import json as still_there  # imported before the block: not hidden
        import csv
        print(json.dumps({
            "hidden": hidden,
            "kept": still_there is json,
            "imports_after": csv.reader is not None,
        }))
        """
    )
    assert outcome == {"hidden": True, "kept": True, "imports_after": True}


def test_great_expectations_loads_without_pyspark_and_sqlalchemy_and_leaves_them_importable() -> (
    None
):
    outcome = run_script(
        """
        import json, sys
        from circularity import validation

        validation.great_expectations()
        loaded = sorted(name for name in ("pyspark", "sqlalchemy") if name in sys.modules)
        import pyspark, sqlalchemy
        print(json.dumps({"loaded_with_gx": loaded, "importable": [
            pyspark.__name__, sqlalchemy.__name__
        ]}))
        """
    )
    assert outcome == {"loaded_with_gx": [], "importable": ["pyspark", "sqlalchemy"]}


def test_great_expectations_import_keeps_nothing_of_its_caller_alive() -> None:
    """The objects of GX's import are frozen, its garbage included, and that garbage holds
    the frames on the importing stack: the caller's frame must not outlive its call with
    what it holds then. And a failed import fails in the caller."""
    outcome = run_script(
        """
        import gc, json, sys, weakref
        import duckdb
        from circularity import validation

        class Held:  # something the caller's frame holds after the import
            pass

        def caller():
            module = validation.great_expectations()
            held = Held()
            connection = duckdb.connect()
            connection.close()
            return module, weakref.ref(held)

        module, held = caller()
        gc.collect()
        connections = sum(type(o).__name__ == "DuckDBPyConnection" for o in gc.get_objects())
        class Refused:  # the import system finds no GX expectations any more
            def find_spec(self, name, path=None, target=None):
                if name == "great_expectations.expectations":
                    raise ImportError("refused")

        del sys.modules["great_expectations.expectations"]
        sys.meta_path.insert(0, Refused())
        try:
            validation.great_expectations()
            failure = None
        except ImportError as error:
            failure = type(error).__name__
        print(json.dumps({
            "module": module.__name__,
            "held_after_the_call": held() is not None,
            "connections": connections,
            "failure_in_caller": failure,
        }))
        """
    )
    assert outcome == {
        "module": "great_expectations",
        "held_after_the_call": False,
        "connections": 0,
        "failure_in_caller": "ImportError",
    }


def test_frozen_imports_are_unfrozen_when_the_process_exits() -> None:
    """The interpreter's last collections never look at frozen objects: unfrozen at exit,
    what the imports left can be collected, and DuckDB's bindings find nothing leaked."""
    outcome = run_script(
        """
        import atexit, gc, json

        seen = {}
        # Registered first, so run last: after collector_paused's own exit handler.
        atexit.register(lambda: print(json.dumps({**seen, "at_exit": gc.get_freeze_count()})))
        from circularity.large_imports import collector_paused

        with collector_paused():
            import decimal
        with collector_paused():
            import fractions
        seen["after_imports"] = gc.get_freeze_count() > 0
        seen["exit_handlers"] = atexit._ncallbacks()
        """
    )
    assert outcome == {"after_imports": True, "exit_handlers": 2, "at_exit": 0}
