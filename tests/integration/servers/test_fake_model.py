"""The fake backend's prompt language (fake_model.py), as a pure function: no server needed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.servers.fake_model import chat_decision

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
ADD = {"type": "function", "function": {"name": "add", "parameters": {
    "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}}}
KNOWLEDGE = {"type": "function", "function": {"name": "knowledge_search", "parameters": {
    "type": "object", "properties": {"query": {"type": "string"}}}}}


def decide(text: str, tools: list[dict[str, Any]] | None = None, **body: Any) -> dict[str, Any]:
    messages = body.pop("messages", [{"role": "user", "content": text}])
    return chat_decision({"messages": messages, "tools": [WEATHER, ADD] if tools is None else tools, **body})


def calls(decision: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(c["name"], json.loads(c["arguments"])) for c in decision["tool_calls"]]


def test_plain_text_is_echoed() -> None:
    assert decide("hello") == {"content": "Echo: hello"}


def test_weather_calls_the_first_tool_with_schema_arguments() -> None:
    assert calls(decide("What is the weather in Paris?")) == [
        ("get_weather", {"city": "What is the weather in Paris?"})]


def test_the_first_call_id_is_a_hash_of_name_arguments_and_message_count() -> None:
    # The id every existing capture and test saw for this prompt.
    assert decide("What is the weather in Paris?")["tool_calls"][0]["id"] == "call_328d4d3c032bd162"


UNIT = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "required": ["city"], "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["c", "f"], "default": "c"},
        "days": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None}}}}}


def test_a_bare_mention_leaves_optional_parameters_to_their_defaults() -> None:
    assert calls(decide("get_weather", tools=[UNIT])) == [("get_weather", {"city": "get_weather"})]


def test_a_required_enum_parameter_gets_its_first_value_and_a_union_its_first_arm() -> None:
    tool = {"type": "function", "function": {"name": "convert", "parameters": {
        "type": "object", "required": ["unit", "days", "mode"], "properties": {
            "unit": {"type": "string", "enum": ["c", "f"]},
            "days": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
            "mode": {"const": "fast"}}}}}
    assert calls(decide("convert", tools=[tool])) == [
        ("convert", {"unit": "c", "days": 1, "mode": "fast"})]


def test_without_a_required_list_parameters_with_a_default_are_left_out() -> None:
    tool = {"type": "function", "function": {"name": "add", "parameters": {
        "type": "object", "properties": {"a": {"type": "integer"},
                                         "b": {"type": "integer", "default": 0}}}}}
    assert calls(decide("add", tools=[tool])) == [("add", {"a": 1})]


def test_each_mention_of_a_tool_is_one_call_in_text_order() -> None:
    assert calls(decide("add then get_weather")) == [
        ("add", {"a": 1, "b": 1}), ("get_weather", {"city": "add then get_weather"})]


def test_the_same_tool_twice_with_explicit_arguments_is_two_calls_with_distinct_ids() -> None:
    decision = decide('get_weather({"city": "Rome"}) and get_weather({"city": "Oslo"})')
    assert calls(decision) == [("get_weather", {"city": "Rome"}), ("get_weather", {"city": "Oslo"})]
    assert len({c["id"] for c in decision["tool_calls"]}) == 2


def test_explicit_arguments_are_sent_even_when_they_break_the_schema() -> None:
    assert calls(decide('add({"a": "one"})')) == [("add", {"a": "one"})]


def test_a_tool_name_inside_another_word_is_not_a_mention() -> None:
    assert decide("the address book") == {"content": "Echo: the address book"}


def test_file_search_names_the_knowledge_search_tool_of_older_lines() -> None:
    assert calls(decide("file_search: capital?", tools=[KNOWLEDGE])) == [
        ("knowledge_search", {"query": "file_search: capital?"})]


@pytest.mark.parametrize(("choice", "expected"), [
    ("required", "get_weather"),
    ({"type": "function", "function": {"name": "add"}}, "add"),
    ({"type": "function", "name": "add"}, "add"),  # the Responses spelling
])
def test_tool_choice_forces_a_call(choice: Any, expected: str) -> None:
    assert [name for name, _ in calls(decide("hello", tool_choice=choice))] == [expected]


def test_tool_choice_none_answers_with_text() -> None:
    assert decide("get_weather", tool_choice="none") == {"content": "Echo: get_weather"}


def test_parallel_tool_calls_false_keeps_the_first_call() -> None:
    assert [name for name, _ in calls(decide("get_weather and add", parallel_tool_calls=False))] == [
        "get_weather"]


def test_tool_results_since_the_last_user_message_are_answered_in_order() -> None:
    messages = [
        {"role": "user", "content": "get_weather and add"},
        {"role": "assistant", "tool_calls": [{"id": "1"}]},
        {"role": "tool", "tool_call_id": "1", "content": "sunny"},
        {"role": "assistant", "tool_calls": [{"id": "2"}]},  # 0.2 sends each call on its own
        {"role": "tool", "tool_call_id": "2", "content": "3"},
    ]
    assert decide("", messages=messages) == {"content": "Tool result: sunny; 3"}


def test_endless_mode_calls_a_tool_again_after_tool_results() -> None:
    messages = [
        {"role": "user", "content": "endless-tools please"},
        {"role": "assistant", "tool_calls": [{"id": "1"}]},
        {"role": "tool", "tool_call_id": "1", "content": "sunny"},
    ]
    assert [name for name, _ in calls(decide("", messages=messages))] == ["get_weather"]


def test_a_llama_guard_prompt_is_judged() -> None:
    guard = "Task: Check if there is unsafe content in 'User' messages"
    assert decide(f"{guard} hello")["content"] == "safe"
    assert decide(f"{guard} unsafe-trigger")["content"] == "unsafe\nS1"
