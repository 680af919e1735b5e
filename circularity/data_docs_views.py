"""Great Expectations' Data Docs page views with their Jinja templates compiled once per
user, not once per build.

GX compiles its page templates from source for every build: about 100 compiles, 0.3 s of a
seeds build. Jinja's bytecode cache (`template_cache`) keeps the compiled code in this
user's private folder, keyed by the template's name and checked against its source, so a
new GX version compiles afresh. GX instantiates these views by name from the site
configuration in `validation._context`; this module imports GX, so nothing else imports
it."""

from __future__ import annotations

from typing import Any

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView

from circularity.template_cache import template_cache


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
