"""Server lines: where each line serves an operation, and which request fields it carries.

For every spec and every line, the route is found in that line's documents, in this order
(the project's SERVER_LINES.md, section 1 step 4 and section 3):

1. ``ROUTE_ERRATA``: facts and preferences the documents do not show.
2. The spec's method at the spec's path, or at the same path tail under another prefix
   (``/v1``, ``/v1alpha``, ``/v1beta``, ``/v1/openai/v1``): the first of these that is not
   flagged deprecated (the spec's own path first, then the prefixes in that order), else the
   first. Deprecated routes are served on every line; a newer route is preferred where both are.
3. For PUT and PATCH, POST at those paths: 0.2-0.4 serve every method other than GET and DELETE
   as POST (``core/server/routes.py``), and their documents say POST.

A request field is carried by a line when that line's operation knows it (a parameter or a body
property of that name), or ``CARRIED_UNDOCUMENTED`` says the server passes it on anyway.
"""

from __future__ import annotations

import re
from typing import Any

from tools.generate.definitions import GeneratorError, LineRoute, SpecDef
from tools.generate.documents import DOCUMENTS, request_body_schema
from tools.generate.errata import BROKEN_ON_LINE, CARRIED_UNDOCUMENTED, ROUTE_ERRATA

__all__ = [
    "PREFIXES",
    "SERVER_LINES",
    "OperationIndex",
    "assign_lines",
    "find_route",
    "known_fields",
    "line_routes",
    "matched_by_rules",
    "operation_index",
    "operation_indexes",
    "tail",
]

SERVER_LINES = tuple(DOCUMENTS)  # oldest first
# Where the lines mount their APIs: the OpenAI-compatible ones under /v1/openai/v1 on 0.2, under
# both that and /v1 on 0.3, under /v1 from 0.4; experimental APIs under /v1alpha or /v1beta, and
# they move between the two (connectors: /v1alpha on 0.4-0.6, /v1beta on 0.7).
PREFIXES = ("/v1", "/v1alpha", "/v1beta", "/v1/openai/v1")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_PARAM = re.compile(r"\{([^}]*)\}")


def tail(path: str) -> str:
    """The path without its API prefix: ``/v1/openai/v1/files`` -> ``/files``."""
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if path.startswith(prefix + "/"):
            return path[len(prefix):]
    return path


def _shape(path: str) -> str:
    return _PARAM.sub("{}", path)


def _renamed(document_path: str, spec_path: str) -> str:
    """The document's path with the spec's parameter names, in order (only positions matter)."""
    names = iter(_PARAM.findall(spec_path))
    return _PARAM.sub(lambda _: "{" + next(names) + "}", document_path)


OperationIndex = dict[tuple[str, str], list[tuple[str, dict[str, Any]]]]


def operation_index(document: dict[str, Any]) -> OperationIndex:
    """(METHOD, path with unnamed parameters) -> [(path, operation)] of a document."""
    index: OperationIndex = {}
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method.upper() in HTTP_METHODS:
                index.setdefault((method.upper(), _shape(path)), []).append((path, op))
    return index


def operation_indexes(documents: dict[str, Any]) -> dict[str, OperationIndex]:
    """line -> the operation index of its document: built once per run, not once per spec."""
    return {line: operation_index(documents[line]) for line in SERVER_LINES}


def matched_by_rules(document: dict[str, Any], method: str, path: str, line: str,
                     index: OperationIndex | None = None) -> LineRoute | None:
    """Rules 2 and 3 of the module docstring: the route of (method, path) in ``document``
    (``index``: its operation_index, when the caller has it already)."""
    if index is None:
        index = operation_index(document)
    paths = [path] + [prefix + tail(path) for prefix in PREFIXES if prefix + tail(path) != path]
    for served_as in (method, "POST") if method in ("PUT", "PATCH") else (method,):
        hits = [(p, op) for candidate in paths for p, op in index.get((served_as, _shape(candidate)), [])]
        if hits:
            found, op = next(((p, op) for p, op in hits if not op.get("deprecated")), hits[0])
            return LineRoute(line, served_as, _renamed(found, path), op, bool(op.get("deprecated")))
    return None


def find_route(documents: dict[str, Any], indexes: dict[str, OperationIndex], name: str, method: str,
               path: str, line: str) -> LineRoute | None:
    """The route of spec ``name`` (declared at method, path) on ``line``; None: not served."""
    if (name, line) in ROUTE_ERRATA:
        erratum = ROUTE_ERRATA[(name, line)]
        if erratum is None:
            return None
        route_method, route_path = erratum
        hits = indexes[line].get((route_method, _shape(route_path)))
        op = hits[0][1] if hits else None
        return LineRoute(line, route_method, route_path, op, bool(op and op.get("deprecated")))
    return matched_by_rules(documents[line], method, path, line, indexes[line])


def line_routes(documents: dict[str, Any], indexes: dict[str, OperationIndex], name: str, method: str,
                path: str) -> dict[str, LineRoute]:
    """line -> route, for every line that serves the spec (oldest first)."""
    routes = {}
    for line in SERVER_LINES:
        route = find_route(documents, indexes, name, method, path, line)
        if route is not None:
            routes[line] = route
    return routes


def known_fields(documents: dict[str, Any], name: str, route: LineRoute) -> set[str] | None:
    """The wire names of the request fields the line's operation knows (None: no document has
    the operation, so the erratum that routes it vouches for every field)."""
    op = route.operation
    if op is None:
        return None
    names = {p["name"] for p in op.get("parameters", []) if p.get("in") != "path"}
    body = request_body_schema(documents[route.line], op)
    if body is not None:
        names |= set(body.get("properties") or {})
    return (names | CARRIED_UNDOCUMENTED.get((name, route.line), set())) - BROKEN_ON_LINE.get(
        (name, route.line), set())


def assign_lines(documents: dict[str, Any], indexes: dict[str, OperationIndex], spec: SpecDef) -> None:
    """Set the spec's routes (method and path become the newest line's route) and each field's
    lines, where fewer lines carry it than serve the spec (``indexes``: operation_indexes)."""
    routes = line_routes(documents, indexes, spec.name, spec.method, spec.path)
    if spec.line not in routes:
        raise GeneratorError(f"{spec.name}: its own {spec.line} document does not serve it by the rules")
    newest = routes[max(routes, key=SERVER_LINES.index)]
    spec.method, spec.path = newest.method, newest.path
    spec.routes = routes
    known = {line: known_fields(documents, spec.name, route) for line, route in routes.items()}
    for spec_field in spec.fields:
        if spec_field.location == "path":
            continue
        carried = tuple(line for line, wires in known.items() if wires is None or spec_field.wire in wires)
        if not carried:
            raise GeneratorError(f"{spec.name}.{spec_field.attr}: no line that serves the spec carries it")
        spec_field.lines = None if carried == spec.lines else carried
