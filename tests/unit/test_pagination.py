"""client.paginate: cursor and index paging, and every way a list ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
import responses
from responses import matchers

from llamastack import (
    CursorPaging,
    InternalServerError,
    LlamaStackClient,
    ResponseDecodeError,
    Spec,
)
from tests.unit.conftest import send_kwargs
from tests.unit.specs_for_tests import BASE, RowList, Thing, ThingList, ThingRetrieve

THINGS = BASE + "/v1/things"
ROWS = BASE + "/v1/datasetio/iterrows/ds"


def things(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "name": f"name-{i}"} for i in ids]


def page(mock: responses.RequestsMock, query: dict[str, str], body: dict[str, Any],
         url: str = THINGS) -> None:
    mock.get(url, json=body, match=[matchers.query_param_matcher(query)])


# --- cursor paging -------------------------------------------------------------------------


def test_cursor_paging_follows_last_id_while_has_more(mock: responses.RequestsMock,
                                                      client: LlamaStackClient) -> None:
    page(mock, {"limit": "2"}, {"object": "list", "data": things("a", "b"), "first_id": "a",
                                "last_id": "b", "has_more": True})
    page(mock, {"limit": "2", "after": "b"}, {"data": things("c", "d"), "first_id": "c",
                                              "last_id": "d", "has_more": True})
    page(mock, {"limit": "2", "after": "d"}, {"data": things("e"), "first_id": "e",
                                              "last_id": "e", "has_more": False})
    items = list(client.paginate(ThingList(limit=2)))
    assert [item.id for item in items] == ["a", "b", "c", "d", "e"]
    assert all(isinstance(item, Thing) for item in items)


def test_cursor_paging_starts_from_the_given_cursor(mock: responses.RequestsMock,
                                                    client: LlamaStackClient) -> None:
    page(mock, {"after": "x", "order": "asc"}, {"data": things("y"), "last_id": "y",
                                                "has_more": False})
    assert [t.id for t in client.paginate(ThingList(after="x", order="asc"))] == ["y"]


def test_an_empty_page_ends_the_list_even_with_has_more(mock: responses.RequestsMock,
                                                        client: LlamaStackClient) -> None:
    page(mock, {}, {"data": things("a"), "last_id": "a", "has_more": True})
    page(mock, {"after": "a"}, {"data": [], "first_id": "", "last_id": "", "has_more": True})
    assert [t.id for t in client.paginate(ThingList())] == ["a"]


def test_a_first_page_that_is_empty_yields_nothing(mock: responses.RequestsMock,
                                                   client: LlamaStackClient) -> None:
    page(mock, {}, {"data": [], "first_id": None, "last_id": None, "has_more": False})
    assert list(client.paginate(ThingList())) == []


def test_has_more_missing_means_the_last_page(mock: responses.RequestsMock,
                                              client: LlamaStackClient) -> None:
    page(mock, {}, {"data": things("a", "b")})
    assert len(list(client.paginate(ThingList()))) == 2


def test_missing_last_id_falls_back_to_the_last_item_id(mock: responses.RequestsMock,
                                                        client: LlamaStackClient) -> None:
    page(mock, {}, {"data": things("a", "b"), "has_more": True})
    page(mock, {"after": "b"}, {"data": things("c"), "last_id": "", "has_more": True})
    page(mock, {"after": "c"}, {"data": things("d"), "has_more": False})
    assert [t.id for t in client.paginate(ThingList())] == ["a", "b", "c", "d"]


def test_a_repeated_cursor_raises_instead_of_looping(mock: responses.RequestsMock,
                                                    client: LlamaStackClient) -> None:
    page(mock, {}, {"data": things("a"), "last_id": "a", "has_more": True})
    page(mock, {"after": "a"}, {"data": things("b"), "last_id": "a", "has_more": True})
    seen: list[str] = []
    with pytest.raises(ResponseDecodeError, match="repeated the cursor 'a'") as info:
        for item in client.paginate(ThingList()):
            seen.append(item.id)
    assert seen == ["a", "b"]
    assert info.value.spec == ThingList()


def test_has_more_without_any_cursor_raises(mock: responses.RequestsMock,
                                            client: LlamaStackClient) -> None:
    @dataclass(frozen=True, kw_only=True)
    class LooseList(Spec[dict[str, Any]]):
        method: ClassVar[str] = "GET"
        path: ClassVar[str] = "/v1/loose"
        paging: ClassVar[CursorPaging] = CursorPaging()
        after: str | None = None

    mock.get(BASE + "/v1/loose", json={"data": [{"name": "no id"}], "has_more": True})
    with pytest.raises(ResponseDecodeError, match="gives no cursor"):
        list(client.paginate(LooseList()))


def test_a_cursor_of_the_wrong_kind_is_a_decode_error(mock: responses.RequestsMock,
                                                     client: LlamaStackClient) -> None:
    """The next page's spec checks its fields: an int id as the cursor of a str field is
    the server's fault, reported like any answer that does not fit."""
    @dataclass(frozen=True, kw_only=True)
    class LooseList(Spec[dict[str, Any]]):
        method: ClassVar[str] = "GET"
        path: ClassVar[str] = "/v1/loose"
        paging: ClassVar[CursorPaging] = CursorPaging()
        after: str | None = None

    mock.get(BASE + "/v1/loose", json={"data": [{"id": 5}], "has_more": True})
    items = client.paginate(LooseList())
    assert next(items) == {"id": 5}
    with pytest.raises(ResponseDecodeError, match=r"cursor 5 cannot be sent back: "
                                                  r"LooseList\.after must be str \| None, not int"):
        next(items)


def test_pages_are_fetched_only_when_needed(mock: responses.RequestsMock,
                                            client: LlamaStackClient) -> None:
    page(mock, {}, {"data": things("a", "b"), "last_id": "b", "has_more": True})
    items = client.paginate(ThingList())
    assert len(mock.calls) == 0
    assert next(items).id == "a"
    assert next(items).id == "b"
    assert len(mock.calls) == 1


def test_every_page_gets_the_call_options(mock: responses.RequestsMock,
                                          client: LlamaStackClient) -> None:
    for query in ({"region": "eu"}, {"region": "eu", "after": "a"}):
        mock.get(THINGS, json={"data": things("a" if "after" not in query else "b"),
                               "last_id": "a" if "after" not in query else "b",
                               "has_more": "after" not in query},
                 match=[matchers.query_param_matcher(query),
                        matchers.header_matcher({"X-Page": "1"})])
    items = list(client.paginate(ThingList(), extra_query={"region": "eu"},
                                 extra_headers={"X-Page": "1"}, timeout=3.0))
    assert [t.id for t in items] == ["a", "b"]
    assert [kwargs["timeout"] for kwargs in send_kwargs(mock)] == [(3.0, 3.0)] * 2


def test_a_failing_page_is_retried(mock: responses.RequestsMock, client: LlamaStackClient,
                                   sleeps: list[float]) -> None:
    page(mock, {}, {"data": things("a"), "last_id": "a", "has_more": True})
    mock.get(THINGS, status=503, match=[matchers.query_param_matcher({"after": "a"})])
    page(mock, {"after": "a"}, {"data": things("b"), "last_id": "b", "has_more": False})
    assert [t.id for t in client.paginate(ThingList())] == ["a", "b"]
    assert sleeps == [0.5]


def test_a_page_that_fails_for_good_raises_after_the_items_before_it(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    page(mock, {}, {"data": things("a"), "last_id": "a", "has_more": True})
    mock.get(THINGS, status=500, match=[matchers.query_param_matcher({"after": "a"})])
    seen: list[str] = []
    with pytest.raises(InternalServerError):
        for item in client.paginate(ThingList(), max_retries=0):
            seen.append(item.id)
    assert seen == ["a"]


# --- index paging --------------------------------------------------------------------------


def test_index_paging_advances_start_index_by_the_items_received(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    page(mock, {"limit": "2"}, {"data": [{"n": 0}, {"n": 1}], "has_more": True}, url=ROWS)
    page(mock, {"limit": "2", "start_index": "2"}, {"data": [{"n": 2}, {"n": 3}],
                                                    "has_more": True}, url=ROWS)
    page(mock, {"limit": "2", "start_index": "4"}, {"data": [{"n": 4}], "has_more": False},
         url=ROWS)
    rows = list(client.paginate(RowList(dataset_id="ds", limit=2)))
    assert rows == [{"n": n} for n in range(5)]


def test_index_paging_from_a_given_start(mock: responses.RequestsMock,
                                         client: LlamaStackClient) -> None:
    page(mock, {"start_index": "10"}, {"data": [{"n": 10}, {"n": 11}, {"n": 12}],
                                       "has_more": True}, url=ROWS)
    page(mock, {"start_index": "13"}, {"data": [], "has_more": True}, url=ROWS)
    assert len(list(client.paginate(RowList(dataset_id="ds", start_index=10)))) == 3


def test_index_paging_short_page_with_has_more_keeps_going(mock: responses.RequestsMock,
                                                           client: LlamaStackClient) -> None:
    page(mock, {"limit": "3"}, {"data": [{"n": 0}], "has_more": True}, url=ROWS)
    page(mock, {"limit": "3", "start_index": "1"}, {"data": [{"n": 1}], "has_more": False},
         url=ROWS)
    assert len(list(client.paginate(RowList(dataset_id="ds", limit=3)))) == 2


# --- specs that cannot be paged -----------------------------------------------------------


def test_a_spec_that_is_not_paginated_is_refused_at_the_call(client: LlamaStackClient) -> None:
    with pytest.raises(TypeError, match="ThingRetrieve is not a paginated list"):
        client.paginate(ThingRetrieve(thing_id="t"))


def test_a_paginated_spec_without_its_cursor_field_is_refused(client: LlamaStackClient) -> None:
    @dataclass(frozen=True, kw_only=True)
    class NoCursor(Spec[dict[str, Any]]):
        method: ClassVar[str] = "GET"
        path: ClassVar[str] = "/v1/nocursor"
        paging: ClassVar[CursorPaging] = CursorPaging()

    with pytest.raises(TypeError, match="no field 'after'"):
        client.paginate(NoCursor())
