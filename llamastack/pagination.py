"""Cursor and index paging: walk every item of a paginated list endpoint.

Cursor lists (OpenAI style: ``{"data", "first_id", "last_id", "has_more"}``) continue with
``after = last_id`` while ``has_more``; index lists (``start_index``/``limit``) advance by
the number of items received. Paging stops on ``has_more`` false, on an empty page, and
refuses to loop forever when a server repeats a cursor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from llamastack.spec import CursorPaging, IndexPaging, Paging

__all__ = ["PagingError", "iterate_items"]


class PagingError(ValueError):
    """A page that cannot be continued from (no cursor, or a repeated one)."""


def _get(page: Any, name: str) -> Any:
    if isinstance(page, dict):
        return page.get(name)
    return getattr(page, name, None)


def iterate_items(spec: Any, paging: Paging, fetch: Callable[[Any], Any]) -> Iterator[Any]:
    """The items of every page, fetching the next page only when it is needed. The spec is
    checked now, before the first page is fetched."""
    fields = {f.name for f in dataclasses.fields(spec)}
    param = paging.cursor_param if isinstance(paging, CursorPaging) else paging.start_param
    if param not in fields:
        raise TypeError(f"{type(spec).__name__} has no field {param!r} to page with")
    return _items(spec, paging, param, fetch)


def _items(spec: Any, paging: Paging, param: str, fetch: Callable[[Any], Any]) -> Iterator[Any]:
    seen_cursors: set[Any] = set()
    while True:
        page = fetch(spec)
        items = _get(page, paging.items) or []
        yield from items
        if not items or not _get(page, paging.has_more):
            return
        if isinstance(paging, IndexPaging):
            start = getattr(spec, paging.start_param) or 0
            spec = dataclasses.replace(spec, **{param: start + len(items)})
            continue
        cursor = _next_cursor(page, items, paging)
        if cursor in seen_cursors:
            raise PagingError(f"the server repeated the cursor {cursor!r}; stopping")
        seen_cursors.add(cursor)
        try:
            spec = dataclasses.replace(spec, **{param: cursor})
        except TypeError as exc:  # the spec's field check: the server's cursor is the fault
            raise PagingError(f"the server's cursor {cursor!r} cannot be sent back: {exc}") \
                from None


def _next_cursor(page: Any, items: list[Any], paging: CursorPaging) -> Any:
    cursor = _get(page, paging.next_cursor)
    if not cursor:
        # Some lists omit last_id; the cursor is the id of the last item (OpenAI semantics).
        cursor = _get(items[-1], "id")
    if not cursor:
        raise PagingError("the page says has_more but gives no cursor to continue from")
    return cursor
