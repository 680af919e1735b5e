"""dbt's namespace of macros built in fewer Python steps: in the CLI's dbt child only.

Every context dbt makes (one for each node, and one more for each adapter macro a node
calls: about 330 in a build) gets a namespace of all 617 macros of the project, dbt and
dbt-duckdb, each wrapped in a MacroGenerator bound to that context. dbt builds it with two
function calls and a few dictionary lookups per macro (1.25 ms a context), then copies it
into the context's dictionary through a `Mapping` whose every lookup walks five
dictionaries (0.4 ms more). Nearly all of it holds the interpreter lock that dbt's four
threads share, and on the seeds dbt's nodes are bound by that lock.

`build_macro_namespaces_quickly` makes the same namespaces, with the same MacroGenerator
objects in the same places, a package at a time, and copies them into the context with
five dictionary updates in reverse search order (so that, as in dbt's lookup, the first
namespace that holds a name wins). A builder that already holds macros, and the namespaces
of unit tests, take dbt's own path. Dagster and `dbt build` by hand run dbt's own command
line, untouched."""

from __future__ import annotations

from typing import Any

from dbt.clients.jinja import MacroGenerator
from dbt.context.macros import FlatNamespace, MacroNamespace, MacroNamespaceBuilder
from dbt.context.manifest import ManifestContext
from dbt.contracts.graph.nodes import Macro
from dbt.include.global_project import PROJECT_NAME as GLOBAL_PROJECT_NAME


def _build_namespace(
    builder: MacroNamespaceBuilder,
    macros_by_package: dict[str, dict[str, Macro]],
    ctx: dict[str, Any],
) -> MacroNamespace:
    """MacroNamespaceBuilder.build_namespace of a new builder, a package at a time."""
    node, stack = builder.node, builder.thread_ctx
    for package_name, macros in macros_by_package.items():
        generators = {
            name: MacroGenerator(macro, ctx, node, stack) for name, macro in macros.items()
        }
        if package_name in builder.internal_package_names:
            builder.internal_packages[package_name] = generators
            continue
        builder.packages[package_name] = generators
        if package_name == builder.search_package:
            builder.locals.update(generators)
        elif package_name == builder.root_package:
            builder.globals.update(generators)
    global_project_namespace: FlatNamespace = {}
    for package_name in reversed(builder.internal_package_names_order):
        global_project_namespace.update(builder.internal_packages.get(package_name, {}))
    return MacroNamespace(
        global_namespace=builder.globals,
        local_namespace=builder.locals,
        global_project_namespace=global_project_namespace,
        packages=builder.packages,
    )


def flattened(namespace: MacroNamespace) -> dict[str, Any]:
    """Every name of the namespace with what `namespace[name]` gives: the namespaces of
    MacroNamespace._search_order, the last first, so that the first one wins."""
    flat: dict[str, Any] = dict(namespace.global_project_namespace)
    flat[GLOBAL_PROJECT_NAME] = namespace.global_project_namespace
    flat.update(namespace.packages)
    flat.update(namespace.global_namespace)
    flat.update(namespace.local_namespace)
    return flat


def build_macro_namespaces_quickly() -> None:
    """Have dbt build and copy its macro namespaces as described in the module."""
    if getattr(MacroNamespaceBuilder.build_namespace, "builds_quickly", False):
        return
    build_namespace = MacroNamespaceBuilder.build_namespace
    to_dict = ManifestContext.to_dict

    def build_namespace_quickly(
        self: MacroNamespaceBuilder,
        macros_by_package: dict[str, dict[str, Macro]],
        ctx: dict[str, Any],
    ) -> MacroNamespace:
        if self.internal_packages or self.packages or self.locals or self.globals:
            return build_namespace(self, macros_by_package, ctx)
        return _build_namespace(self, macros_by_package, ctx)

    def to_dict_quickly(self: ManifestContext) -> dict[str, Any]:
        if type(self.namespace) is not MacroNamespace:
            return to_dict(self)
        context = super(ManifestContext, self).to_dict()
        context.update(flattened(self.namespace))
        return context

    build_namespace_quickly.builds_quickly = True  # type: ignore[attr-defined]
    MacroNamespaceBuilder.build_namespace = build_namespace_quickly  # type: ignore[method-assign]
    ManifestContext.to_dict = to_dict_quickly  # type: ignore[method-assign]
