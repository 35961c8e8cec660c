"""Server lines: one client for Llama Stack 0.2 through 0.7.

A spec declares its route on the newest line that serves it, the routes of the lines that serve
it elsewhere (``routes``), the lines that serve it (``server_lines``) and, per field, the lines
that carry it (all generated from the pinned documents of every line: ``specs/README.md``).
For one call this package decides what those declarations mean on the client's line:

- ``discovery``: which line the server runs, asked once (``GET /v1/version``) or pinned;
- ``adapters``: where a line reads or answers another shape with the same meaning;
- ``ServerLines.route``: the per-line request plan and adapter of a spec, or ``NotServedError``
  before anything is sent when the line does not serve it or cannot carry a value it sets.

A spec served the same way on every line (or one whose lines are not declared, as a user's own)
needs no line: calling it never triggers discovery.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import NamedTuple

from llamastack.errors import NotServedError
from llamastack.lines.adapters import Adapter, RequestParts, adapter_for, not_carried, served_by
from llamastack.lines.discovery import OLDEST_VERSION, LineDiscovery, VersionAnswer, check_line, line_of
from llamastack.spec import NEWEST_LINE, SERVER_LINES, FieldPlan, RequestPlan, plan_for, serves

__all__ = [
    "NEWEST_LINE",
    "OLDEST_VERSION",
    "SERVER_LINES",
    "Adapter",
    "LineDiscovery",
    "LineRoute",
    "RequestParts",
    "ServerLines",
    "VersionAnswer",
    "check_line",
    "line_of",
]


class LineRoute(NamedTuple):
    """How one spec class is sent on one line: its request plan there and the adapter of its
    shapes (None where they are the declared ones)."""

    plan: RequestPlan
    adapter: Adapter | None = None
    # The fields the plan's line cannot carry that the adapter does not carry either.
    refused: tuple[FieldPlan, ...] = ()

    def check(self, spec: object) -> None:
        """Refuse, before sending, a spec that sets a value the line cannot carry."""
        for field in self.refused:
            if getattr(spec, field.attr) is not None:
                # Only a line's plan has fields it cannot carry, and each names its lines: the
                # fallbacks are for the types alone.
                line, carried_by = self.plan.server_line or NEWEST_LINE, field.server_lines or ()
                raise not_carried(spec, line, field.attr, ", ".join(carried_by),
                                  "that line would reject it or drop it silently; leave it "
                                  "unset there")


class ServerLines:
    """The line of one client's server, and the routes of specs on it (thread-safe)."""

    def __init__(self, pinned: str | None, fetch: Callable[[], VersionAnswer]) -> None:
        self._discovery = LineDiscovery(pinned)
        self._fetch = fetch
        self._routes: dict[tuple[type, str | None], LineRoute] = {}
        self._lock = threading.Lock()

    @property
    def line(self) -> str:
        """The server's line, discovered on first use."""
        return self._discovery.line(self._fetch)

    @property
    def known(self) -> str | None:
        return self._discovery.known

    def route(self, spec: object, plan: RequestPlan) -> LineRoute:
        """The route of ``spec`` (whose declared plan is ``plan``) on the server's line, checked:
        raises NotServedError when the line does not serve it or cannot carry a value it sets."""
        spec_class = type(spec)
        route = self._routes.get((spec_class, None)) or self._routes.get(
            (spec_class, self._discovery.known))
        if route is None:
            if not varies_by_line(spec_class):
                route = self._remember(spec_class, None, LineRoute(plan))
            else:
                line = self.line
                route = self._routes.get((spec_class, line)) or self._remember(
                    spec_class, line, _line_route(spec, line))
        if route.refused:
            route.check(spec)
        return route

    def _remember(self, spec_class: type, line: str | None, route: LineRoute) -> LineRoute:
        with self._lock:
            return self._routes.setdefault((spec_class, line), route)


def varies_by_line(spec_class: type) -> bool:
    """Whether sending ``spec_class`` depends on the server's line: it declares its lines and
    is not served at the same route and in the same shapes by every line."""
    lines = getattr(spec_class, "server_lines", None)
    if lines is None:
        return False
    if tuple(lines) != SERVER_LINES or getattr(spec_class, "routes", None):
        return True
    if any(adapter_for(spec_class, line) for line in SERVER_LINES):
        return True
    return any(fp.server_lines is not None for fp in plan_for(spec_class).all_fields)


def _line_route(spec: object, line: str) -> LineRoute:
    spec_class = type(spec)
    if not serves(spec_class, line):
        lines = served_by(spec_class)
        raise NotServedError(
            f"not served by Llama Stack {line}, the server's line (it is by "
            f"{', '.join(lines)}); nothing was sent", spec=spec, server_line=line,
            served_by=lines)
    plan = plan_for(spec_class, line)
    adapter = adapter_for(spec_class, line)
    carries = adapter.carries if adapter is not None else ()
    refused = tuple(fp for fp in plan.fields_not_carried if fp.attr not in carries)
    return LineRoute(plan, adapter, refused)
