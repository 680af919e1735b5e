"""Great Expectations' Data Docs page views with their Jinja templates compiled once per
user, not once per build.

GX compiles its page templates from source for every build: about 100 compiles, 0.3 s of a
seeds build. Jinja's bytecode cache keeps the compiled code in this user's private folder
(Jinja makes it mode 0700 and refuses a folder another user owns), keyed by the template's
name and checked against its source, so a new GX version compiles afresh. GX instantiates
these views by name from the site configuration in `validation._context`; this module
imports GX, so nothing else imports it."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2.bccache import Bucket, FileSystemBytecodeCache


class BestEffortBytecodeCache(FileSystemBytecodeCache):
    """A cache that never fails a build: a full disk or a read-only temporary folder only
    means compiling the templates again."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 (unreadable or damaged in any way: compile again)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache() -> BestEffortBytecodeCache | None:
    """The bytecode cache in Jinja's private per-user folder, or None when that folder
    cannot be made or is not safe (owned by someone else, open to others)."""
    try:
        return BestEffortBytecodeCache()
    except (OSError, RuntimeError):
        return None


class _CompiledOnce:
    """Set the cache on the Jinja environment that a GX view makes for itself."""

    env: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env.bytecode_cache = template_cache()


class CachedPageView(_CompiledOnce, DefaultJinjaPageView):
    """GX's page of a suite or of a validation result."""


class CachedIndexPageView(_CompiledOnce, DefaultJinjaIndexPageView):
    """GX's index page."""
