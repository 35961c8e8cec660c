"""Emitting the generated tables of specs/README.md: operations per line, request fields some
lines do not carry, and shape differences. The rest of that file is written by hand; each table
sits between markers, and ``update_readme`` replaces only what is between them."""

from __future__ import annotations

import re
from typing import Any

from tools.generate.definitions import GeneratorError, SpecDef
from tools.generate.lines import SERVER_LINES
from tools.generate.shapes import differences, shape_table

__all__ = [
    "counts_table",
    "fields_table",
    "readme_tables",
    "update_readme",
]

_BEGIN = "<!-- BEGIN GENERATED {name} (python -m tools.generate) -->"
_END = "<!-- END GENERATED {name} -->"


def readme_tables(documents: dict[str, Any], specs: list[SpecDef]) -> dict[str, list[str]]:
    """Marker name -> the table's lines."""
    return {
        "line-counts": counts_table(specs),
        "fields-not-carried": fields_table(specs),
        "shape-differences": shape_table(differences(documents, specs)),
    }


def update_readme(text: str, tables: dict[str, list[str]]) -> str:
    """``text`` with the lines between each table's markers replaced by the table."""
    for name, rows in tables.items():
        begin, end = _BEGIN.format(name=name), _END.format(name=name)
        pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.S)
        match = pattern.search(text)
        if match is None:
            raise GeneratorError(f"specs/README.md lacks the markers of the {name} table")
        text = text[: match.start()] + "\n".join([begin, *rows, end]) + text[match.end():]
    return text


def _kind(spec: SpecDef, line: str) -> str:
    route = spec.routes.get(line)
    if route is None:
        return "not served"
    if route.method != spec.method:
        return "another method"
    return "same" if route.path == spec.path else "another path"


def counts_table(specs: list[SpecDef]) -> list[str]:
    """How each line serves the specs, against the route each spec declares (the newest line's)."""
    head = "| | " + " | ".join(SERVER_LINES) + " |"
    rows = [head, "|---" * (len(SERVER_LINES) + 1) + "|"]
    main = [s for s in specs if s.line == "0.7"]
    agents = [s for s in specs if s.line != "0.7"]

    def row(title: str, count: Any) -> str:
        return f"| {title} | " + " | ".join(str(count(line)) for line in SERVER_LINES) + " |"

    def number(group: list[SpecDef], kind: str) -> Any:
        return lambda line: sum(1 for s in group if _kind(s, line) == kind)

    rows += [
        row(f"{len(main)} operations of the 0.7 document: at the spec's method and path",
            number(main, "same")),
        row("… at another path", number(main, "another path")),
        row("… with another method (POST for PUT)", number(main, "another method")),
        row("… not served", number(main, "not served")),
        row("… served at a route the line's documents flag deprecated",
            lambda line: sum(1 for s in main if line in s.routes and s.routes[line].deprecated)),
        row(f"{len(agents)} Agents operations of the 0.2 document: at the spec's path",
            number(agents, "same")),
        row("… at another path", number(agents, "another path")),
        row("… not served", number(agents, "not served")),
        row(f"**Served, of {len(specs)}**", lambda line: f"**{sum(1 for s in specs if line in s.routes)}**"),
    ]
    return rows


def fields_table(specs: list[SpecDef]) -> list[str]:
    """The request fields that fewer lines carry than serve their spec."""
    rows = ["| Field | Carried by | Not carried by (sending it is refused) |", "|---|---|---|"]
    for spec in sorted(specs, key=lambda s: s.name):
        for spec_field in spec.fields:
            if spec_field.lines is not None:
                missing = [line for line in spec.lines if line not in spec_field.lines]
                rows.append(f"| `{spec.name}.{spec_field.attr}` | {', '.join(spec_field.lines)} | "
                            f"{', '.join(missing)} |")
    return rows
