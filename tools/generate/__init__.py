"""Generate ``llamastack/models/<group>.py``, ``llamastack/endpoints/<group>.py`` and ``api.md`` from specs/.

    python -m tools.generate            # rewrite the checked-in modules
    python -m tools.generate --out DIR  # write the package tree under DIR instead

The pinned OpenAPI documents in ``specs/`` are the source: every operation listed in
``catalog.OPERATIONS`` becomes one spec dataclass (its name, group and source document are chosen
there, by hand; the lines that serve it, and where, are found in every line's documents), and
every schema those operations reach becomes a model dataclass, a ``Literal``
alias (string enums) or a union alias (a ``TaggedUnion`` when the schema names a discriminator,
or when every object arm carries its own constant tag). The output is formatted as ``ruff
format`` would (line length 110) and is deterministic; ``tests/unit/test_generated_code.py``
fails when the checked-in files differ from it. The run also rewrites the generated tables of
specs/README.md (``test_contract`` fails while they are stale) and api.md, the API reference
(``test_generated_code`` checks it too).

Every field and model a document describes carries the description as its docstring (what
editors show on hover): the source document's, else the newest other line's description of the
same schema property or operation field (``descriptions``; ``tests/unit/test_docs.py``).

One module per concern:

    catalog         the operations to generate, their spec names and group modules
    documents       reading the pinned documents (errata applied)
    errata          deliberate deviations from the documents, each with its reason
    naming          names of models, inline definitions and fields
    descriptions    the documents' descriptions, as docstrings carry them
    definitions     what is built: type expressions, model and spec definitions
    schemas         the type/schema builder (schemas -> definitions)
    build           one spec per operation; each definition placed in a group module
    type_text       type expressions as Python text
    formatting      ruff-format layout, import and __all__ order
    emit_models     models/<group>.py
    emit_endpoints  endpoints/<group>.py
    emit_package    the lazy package __init__ files; writing the tree
    lines           per server line: the route of each spec, the request fields it carries
    emit_routes     a spec's server_lines and routes, a field's server_lines=
    shapes          where a line serves a spec's route with other request/response shapes
    emit_readme     the generated tables of specs/README.md
    emit_api        api.md: every spec by resource, the shared types, and api_handwritten.md

Deliberate deviations from the documents live in ``errata`` (``ERRATA_NULLABLE`` and
``RESPONSE_OVERRIDES`` for decoding leniency, ``ERRATA_SCHEMAS``/``ERRATA_PROPERTIES`` for shapes,
``ERRATA_LOCATIONS`` for parameters the server reads from another place, ``ROUTE_ERRATA``,
``CARRIED_UNDOCUMENTED``, ``BROKEN_ON_LINE`` and ``DOCUMENT_ONLY_REQUIREMENTS`` for server lines)
and ``naming`` (``RENAMES``/``SHARED_WITH_0_7``/``INLINE_NAMES``); specs/README.md lists each with
its reason.
Adding an operation of a pinned document is one row in ``OPERATIONS`` and a rerun.
"""

from __future__ import annotations

from tools.generate.build import build
from tools.generate.catalog import OPERATIONS
from tools.generate.documents import DOCUMENTS, ROOT, SOURCE_LINES, SPECS, load_documents
from tools.generate.emit_api import HANDWRITTEN, api_reference
from tools.generate.emit_package import render_all, stale, write
from tools.generate.emit_readme import readme_tables, update_readme
from tools.generate.errata import (
    BROKEN_ON_LINE,
    CARRIED_UNDOCUMENTED,
    DOCUMENT_ONLY_REQUIREMENTS,
    ERRATA_LOCATIONS,
    ERRATA_NULLABLE,
    ERRATA_PROPERTIES,
    ERRATA_SCHEMAS,
    RESPONSE_OVERRIDES,
    ROUTE_ERRATA,
)
from tools.generate.lines import matched_by_rules
from tools.generate.shapes import differences as shape_differences

__all__ = [
    "BROKEN_ON_LINE",
    "CARRIED_UNDOCUMENTED",
    "DOCUMENTS",
    "DOCUMENT_ONLY_REQUIREMENTS",
    "ERRATA_LOCATIONS",
    "ERRATA_NULLABLE",
    "ERRATA_PROPERTIES",
    "ERRATA_SCHEMAS",
    "HANDWRITTEN",
    "OPERATIONS",
    "RESPONSE_OVERRIDES",
    "ROOT",
    "ROUTE_ERRATA",
    "SOURCE_LINES",
    "SPECS",
    "api_reference",
    "build",
    "load_documents",
    "matched_by_rules",
    "readme_tables",
    "render_all",
    "shape_differences",
    "stale",
    "update_readme",
    "write",
]
