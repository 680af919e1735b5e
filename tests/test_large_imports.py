"""Large libraries are imported without garbage collections, then frozen
(`circularity.large_imports`). Each case runs in a process of its own: freezing is for the
life of a process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap


def run_script(body: str) -> dict:
    """Run `body` in a new interpreter; it prints one JSON object, returned here."""
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(body)], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


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
