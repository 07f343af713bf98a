"""An import-linter contract type: a package imports only itself and the standard library.

The built-in contracts forbid modules by name, so "nothing outside the standard library" would
mean listing every installed distribution, and the next one added would slip through. This
contract asks `sys.stdlib_module_names` instead. Registered in pyproject.toml as `stdlib_only`;
it needs `include_external_packages = true`, without which third-party imports are not in the
graph and the contract could not see them.
"""

from __future__ import annotations

import sys

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain.helpers import module_expressions_to_modules
from importlinter.domain.imports import ModuleExpression


class StdlibOnlyContract(Contract):
    """Modules of `source_modules` import their own package and the standard library only."""

    type_name = "stdlib_only"

    source_modules = fields.ListField(subfield=fields.ModuleExpressionField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        """Collect every direct import that leaves the source package for a non-stdlib module."""
        if str(self.session_options.get("include_external_packages")).lower() != "true":
            raise ValueError("stdlib_only needs include_external_packages = true")
        # Fields hold parsed values at run time; their declared type is the field's.
        expressions: list[ModuleExpression] = self.source_modules  # type: ignore[assignment]
        illegal = []
        for source in module_expressions_to_modules(graph, expressions):
            package = source.name
            for importer in sorted({package, *graph.find_descendants(package)}):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    own = imported == package or imported.startswith(package + ".")
                    if own or imported.split(".")[0] in sys.stdlib_module_names:
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = ", ".join(str(d["line_number"]) for d in details)
                    illegal.append(f"{importer} -> {imported} (l. {lines})")
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        """One line per forbidden import, in the style of the built-in contracts."""
        output.print_error("Only the standard library may be imported here:")
        output.new_line()
        for line in check.metadata["illegal"]:
            output.print_error(f"-   {line}", bold=False)
        output.new_line()
