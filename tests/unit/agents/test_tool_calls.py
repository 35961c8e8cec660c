"""FunctionTool.invoke: arguments checked and converted before the call; outputs as text."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import decimal
import enum
import json
from typing import Any, Literal, TypedDict

import pytest

from llamastack.agents import tool
from llamastack.agents.tools import format_output, unknown_tool_outcome
from llamastack.agents.validation import SchemaError, validate


class Unit(enum.Enum):
    C = "c"
    F = "f"


@dataclasses.dataclass(frozen=True)
class Point:
    x: float
    y: float = 0.0

    def __post_init__(self) -> None:
        if self.x > 180:
            raise ValueError(f"longitude {self.x} is out of range")


class Options(TypedDict, total=False):
    unit: Unit
    days: int


seen: list[Any] = []


@tool
def forecast(city: str, at: Point | None = None, unit: Unit = Unit.C, days: tuple[int, int] = (0, 1),
             tags: set[str] = frozenset(), options: Options | None = None,  # type: ignore[assignment]
             level: Literal[1, 2] = 1) -> dict[str, Any]:
    """Forecast for a city."""
    seen.append((city, at, unit, days, tags, options, level))
    return {"city": city}


def test_arguments_are_converted_to_the_declared_types() -> None:
    seen.clear()
    outcome = forecast.invoke(json.dumps({
        "city": "Paris", "at": {"x": 2}, "unit": "f", "days": [1, 3.0], "tags": ["a", "b"],
        "options": {"unit": "c", "days": 2}, "level": 2}))
    assert not outcome.is_error, outcome.output
    city, at, unit, days, tags, options, level = seen[-1]
    assert city == "Paris"
    assert at == Point(2.0, 0.0) and isinstance(at.x, float)
    assert unit is Unit.F
    assert days == (1, 3) and all(type(d) is int for d in days)
    assert tags == {"a", "b"} and isinstance(tags, set)
    assert options == {"unit": Unit.C, "days": 2}
    assert level == 2
    assert outcome.arguments["at"] == {"x": 2}  # the record keeps what the model sent


@pytest.mark.parametrize(("arguments", "problem"), [
    ({}, "city: required but missing"),
    ({"city": 3}, "city: expected string, got integer 3"),
    ({"city": "P", "unit": "k"}, 'unit: expected one of "c", "f", got string "k"'),
    ({"city": "P", "nope": 1}, "nope: unexpected (allowed: city, at, unit"),
    ({"city": "P", "at": {"x": "east"}}, 'at.x: expected number, got string "east"'),
    ({"city": "P", "at": {"y": 1}}, "at.x: required but missing"),
    ({"city": "P", "days": [1]}, "days: expected at least 2 item(s), got 1"),
    ({"city": "P", "days": [1, 2, 3]}, "days: expected at most 2 item(s), got 3"),
    ({"city": "P", "days": [1, "2"]}, 'days[1]: expected integer, got string "2"'),
    ({"city": "P", "days": [1, 2.5]}, "days[1]: expected integer, got number 2.5"),
    ({"city": "P", "tags": ["a", "a"]}, 'tags[1]: duplicate item string "a"'),
    ({"city": "P", "level": True}, "level: expected one of 1, 2, got boolean true"),
    ({"city": "P", "options": {"days": "2"}}, 'options.days: expected integer, got string "2"'),
])
def test_arguments_that_break_the_schema_are_an_error_output_and_the_function_never_runs(
        arguments: dict[str, Any], problem: str) -> None:
    seen.clear()
    outcome = forecast.invoke(json.dumps(arguments))
    assert outcome.is_error
    assert outcome.output.startswith("Error: invalid arguments for tool 'forecast': ")
    assert problem in outcome.output
    assert seen == []


def test_arguments_that_are_not_json_or_not_an_object_are_an_error_output() -> None:
    assert forecast.invoke("{city: Paris").output.startswith(
        "Error: the arguments of tool 'forecast' are not valid JSON")
    outcome = forecast.invoke('["Paris"]')
    assert outcome.is_error and "must be a JSON object" in outcome.output


def test_a_conversion_that_raises_is_an_error_output_naming_the_exception() -> None:
    outcome = forecast.invoke('{"city": "P", "at": {"x": 500}}')
    assert outcome.is_error
    assert outcome.output == ("Error: invalid arguments for tool 'forecast': ValueError: "
                              "longitude 500.0 is out of range")
    assert isinstance(outcome.error, ValueError)


def test_empty_arguments_mean_no_arguments() -> None:
    @tool
    def now() -> str:
        return "noon"

    assert now.invoke("").output == "noon"
    assert now.invoke({}).output == "noon"


def test_a_tool_that_raises_becomes_an_error_output_with_type_and_message() -> None:
    @tool
    def explode(city: str) -> str:
        raise LookupError(f"no such city: {city}")

    outcome = explode.invoke('{"city": "Atlantis"}')
    assert outcome.is_error
    assert outcome.output == "Error: tool 'explode' raised LookupError: no such city: Atlantis"
    assert isinstance(outcome.error, LookupError)
    assert outcome.arguments == {"city": "Atlantis"}


def test_a_base_exception_is_not_swallowed() -> None:
    @tool
    def interrupted() -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted.invoke("{}")


def test_a_string_result_is_sent_as_is_not_json_quoted() -> None:
    @tool
    def say() -> str:
        return 'sunny "and" warm'

    assert say.invoke("{}").output == 'sunny "and" warm'


@pytest.mark.parametrize(("result", "text"), [
    ({"a": [1, 2]}, '{"a": [1, 2]}'),
    ([1, "é"], '[1, "é"]'),
    (None, "null"),
    (3.5, "3.5"),
    (Unit.F, '"f"'),
    (Point(1, 2), '{"x": 1, "y": 2}'),
    ({"when": datetime.date(2026, 1, 2)}, '{"when": "2026-01-02"}'),
    ({"amount": decimal.Decimal("1.10")}, '{"amount": "1.10"}'),
    ({"s": {3, 1}}, '{"s": [1, 3]}'),
    ({"obj": object}, '{"obj": "<class \'object\'>"}'),
])
def test_other_results_are_json_and_never_fail_to_serialize(result: Any, text: str) -> None:
    assert format_output(result) == text


def test_a_result_json_cannot_hold_is_sent_as_its_str_not_turned_into_an_error() -> None:
    circular: list[Any] = []
    circular.append(circular)

    @tool
    def loop() -> list[Any]:
        return circular

    outcome = loop.invoke("{}")
    assert not outcome.is_error
    assert outcome.output == "[[...]]"
    assert outcome.result is circular


def test_async_tools_run_to_completion() -> None:
    @tool
    async def slow_add(a: int, b: int) -> int:
        await asyncio.sleep(0)
        return a + b

    outcome = slow_add.invoke('{"a": 2, "b": 3}')
    assert (outcome.output, outcome.is_error, outcome.result) == ("5", False, 5)


def test_async_tools_run_even_when_the_caller_is_inside_an_event_loop() -> None:
    @tool
    async def double(a: int) -> int:
        return 2 * a

    async def main() -> str:
        return double.invoke('{"a": 4}').output

    assert asyncio.run(main()) == "8"


def test_an_async_tool_that_raises_is_an_error_output() -> None:
    @tool
    async def broken() -> None:
        raise RuntimeError("down")

    assert broken.invoke("{}").output == "Error: tool 'broken' raised RuntimeError: down"


def test_unknown_tool_outcome_lists_the_tools_there_are() -> None:
    outcome = unknown_tool_outcome("get_time", '{"tz": "UTC"}', ["get_weather", "add"])
    assert outcome.is_error
    assert outcome.output == "Error: there is no tool named 'get_time'; available tools: add, get_weather"
    assert outcome.arguments == {"tz": "UTC"}


def test_the_validator_refuses_keywords_it_cannot_check() -> None:
    with pytest.raises(SchemaError, match="pattern"):
        validate("x", {"type": "string", "pattern": "^a"})


def test_the_validator_accepts_integral_floats_as_integers_but_not_booleans() -> None:
    assert validate(2.0, {"type": "integer"}) == []
    assert validate(True, {"type": "integer"}) == ["arguments: expected integer, got boolean true"]
    assert validate(1, {"type": "number"}) == []
