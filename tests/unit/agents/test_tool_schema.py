"""tool(): names, descriptions and JSON Schemas from signatures; errors when a tool is defined."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Optional, TypedDict, Union

import pytest

from llamastack.agents import FunctionTool, ToolDefinitionError, tool


class Unit(enum.Enum):
    C = "c"
    F = "f"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Point:
    """A point on the map.

    Attributes:
        x: Longitude.
        y: Latitude.
    """

    x: float
    y: float = 0.0


class Filters(TypedDict, total=False):
    """Search filters.

    Args:
        city: Only this city.
    """

    city: str
    limit: int


def schema_of(annotation: Any, default: Any = dataclasses.MISSING) -> dict[str, Any]:
    """The schema of one parameter ``value`` of the given type."""
    def fn(value: Any) -> Any:
        return value

    if default is not dataclasses.MISSING:
        fn.__defaults__ = (default,)
    fn.__annotations__ = {"value": annotation}
    schema: dict[str, Any] = tool(fn).parameters["properties"]["value"]
    return schema


@pytest.mark.parametrize(("annotation", "expected"), [
    (str, {"type": "string"}),
    (int, {"type": "integer"}),
    (float, {"type": "number"}),
    (bool, {"type": "boolean"}),
    (Any, {}),
    (Literal["c", "f"], {"type": "string", "enum": ["c", "f"]}),
    (Literal[1, 2], {"type": "integer", "enum": [1, 2]}),
    (Literal["a", 1], {"enum": ["a", 1]}),
    (Unit, {"type": "string", "enum": ["c", "f"]}),
    (Level, {"type": "integer", "enum": [1, 2]}),
    (list[int], {"type": "array", "items": {"type": "integer"}}),
    (Sequence[str], {"type": "array", "items": {"type": "string"}}),
    (set[str], {"type": "array", "items": {"type": "string"}, "uniqueItems": True}),
    (tuple[int, ...], {"type": "array", "items": {"type": "integer"}}),
    (tuple[int, str], {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}],
                       "minItems": 2, "maxItems": 2}),
    (dict[str, float], {"type": "object", "additionalProperties": {"type": "number"}}),
    (Optional[int], {"anyOf": [{"type": "integer"}, {"type": "null"}]}),
    (int | None, {"anyOf": [{"type": "integer"}, {"type": "null"}]}),
    (Union[int, str], {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
    (Annotated[str, "The city."], {"type": "string", "description": "The city."}),
    (list[Literal["x", "y"]], {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}}),
])
def test_types_map_to_json_schema(annotation: Any, expected: dict[str, Any]) -> None:
    assert schema_of(annotation) == expected


def test_a_dataclass_is_a_nested_object_with_its_documented_fields() -> None:
    assert schema_of(Point) == {
        "type": "object",
        "properties": {"x": {"type": "number", "description": "Longitude."},
                       "y": {"type": "number", "description": "Latitude.", "default": 0.0}},
        "required": ["x"],
        "additionalProperties": False,
        "description": "A point on the map.",
    }


def test_a_typeddict_is_a_nested_object_with_its_required_keys() -> None:
    class Strict(TypedDict):
        name: str
        tags: list[str]

    assert schema_of(Strict) == {
        "type": "object",
        "properties": {"name": {"type": "string"},
                       "tags": {"type": "array", "items": {"type": "string"}}},
        "required": ["name", "tags"],
        "additionalProperties": False,
    }
    assert "required" not in schema_of(Filters)  # total=False: every key may be left out
    assert schema_of(Filters)["properties"]["city"] == {"type": "string",
                                                        "description": "Only this city."}


def test_required_is_every_parameter_without_a_default() -> None:
    @tool
    def f(a: int, b: str, c: Unit = Unit.F, d: tuple[int, int] = (1, 2)) -> None:
        """Do it."""

    params = f.parameters
    assert params["required"] == ["a", "b"]
    assert params["additionalProperties"] is False
    assert params["properties"]["c"]["default"] == "f"
    assert params["properties"]["d"]["default"] == [1, 2]


def test_issue_example_builds_name_description_and_parameters() -> None:
    @tool
    def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
        """Current weather in a city.

        Args:
            city: The city's name.
            unit: Temperature unit.
        """
        return f"18 degrees {unit} and sunny in {city}"

    assert isinstance(get_weather, FunctionTool)
    assert get_weather.name == "get_weather"
    assert get_weather.description == "Current weather in a city."
    assert get_weather.parameters == {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city's name."},
            "unit": {"type": "string", "enum": ["c", "f"], "description": "Temperature unit.",
                     "default": "c"},
        },
        "required": ["city"],
        "additionalProperties": False,
    }
    assert get_weather("Paris") == "18 degrees c and sunny in Paris"
    assert get_weather(city="Rome", unit="f") == "18 degrees f and sunny in Rome"
    assert get_weather.__name__ == "get_weather"
    assert get_weather.__doc__ is not None and get_weather.__doc__.startswith("Current weather")


def test_tool_with_name_and_description_overrides() -> None:
    @tool(name="weather", description="Say the weather.")
    def get_weather(city: str) -> str:
        """Ignored."""
        return city

    assert (get_weather.name, get_weather.description) == ("weather", "Say the weather.")
    assert tool(get_weather, name="w2").name == "w2"  # re-wrapping a tool wraps its function
    assert tool(get_weather, name="w2").fn is get_weather.fn


def test_plain_call_of_tool_and_the_definition_for_the_responses_api() -> None:
    def add(a: int, b: int = 1) -> int:
        """Add two integers.

        :param a: first
        :param b: second
        """
        return a + b

    add_tool = tool(add)
    assert add_tool(2, 3) == 5
    assert add_tool.definition() == {
        "type": "function", "name": "add", "description": "Add two integers.",
        "parameters": add_tool.parameters}


def test_a_tool_without_a_docstring_still_sends_a_description() -> None:
    # llama-stack 0.3-0.5 fail a response whose function tool has no description (seen live).
    def lookup(query: str) -> str:
        return query

    assert tool(lookup).definition()["description"] == ""


def test_parameters_is_a_copy_the_caller_cannot_break() -> None:
    @tool
    def f(a: int) -> int:
        return a

    f.parameters["properties"]["a"]["type"] = "string"
    assert f.parameters["properties"]["a"]["type"] == "integer"


def test_a_bound_method_is_a_tool_without_self() -> None:
    class Store:
        def find(self, key: str) -> str:
            """Find a key."""
            return key.upper()

    find = tool(Store().find)
    assert list(find.parameters["properties"]) == ["key"]
    assert find.invoke('{"key": "a"}').output == "A"


# --- errors at definition time -------------------------------------------------------------


def test_a_parameter_without_a_type_hint_is_an_error_naming_tool_and_parameter() -> None:
    def lookup(city, unit: str = "c"):  # type: ignore[no-untyped-def]
        return city

    with pytest.raises(ToolDefinitionError, match=r"parameter 'city' of tool 'lookup' has no type hint"):
        tool(lookup)


def test_self_without_a_hint_says_to_decorate_the_bound_method() -> None:
    class Store:
        def find(self, key: str) -> str:
            return key

    with pytest.raises(ToolDefinitionError, match=r"'self'.*tool\(obj.method\)"):
        tool(Store.find)


@pytest.mark.parametrize(("annotation", "words"), [
    (bytes, "type bytes cannot be described"),
    (object, "type object cannot be described"),
    (dict[int, str], "keys are strings"),
    (list[bytes], "type bytes cannot be described"),
])
def test_a_type_json_cannot_carry_is_an_error_naming_the_parameter(annotation: Any,
                                                                   words: str) -> None:
    def f(value):  # type: ignore[no-untyped-def]
        return value

    f.__annotations__ = {"value": annotation}
    with pytest.raises(ToolDefinitionError, match=rf"parameter 'value' of tool 'f'.*{words}"):
        tool(f)


@dataclasses.dataclass
class Node:
    child: Optional[Node]


class Shape(enum.Enum):
    SQUARE = (1, 1)


def test_a_recursive_dataclass_is_refused() -> None:
    def walk(node: Node) -> None:
        return None

    with pytest.raises(ToolDefinitionError, match="contains itself"):
        tool(walk)


def test_an_enum_with_non_json_values_is_refused() -> None:
    def draw(shape: Shape) -> None:
        return None

    with pytest.raises(ToolDefinitionError, match="values of enum"):
        tool(draw)


@pytest.mark.parametrize("source", [
    "def f(*values: int) -> None: ...",
    "def f(**values: int) -> None: ...",
    "def f(a: int, /) -> None: ...",
])
def test_varargs_and_positional_only_parameters_are_refused(source: str) -> None:
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    with pytest.raises(ToolDefinitionError, match="parameter"):
        tool(namespace["f"])


def test_a_stale_docstring_parameter_is_refused() -> None:
    def f(city: str) -> str:
        """Do it.

        Args:
            city: The city.
            country: Gone.
        """
        return city

    with pytest.raises(ToolDefinitionError, match="describes 'country'"):
        tool(f)


def test_names_a_model_api_refuses_are_refused() -> None:
    with pytest.raises(ToolDefinitionError, match="name '<lambda>' is not allowed"):
        tool(lambda: None)
    with pytest.raises(ToolDefinitionError, match="is not allowed"):
        tool(name="two words")(lambda: None)


def test_generator_functions_are_refused() -> None:
    def numbers(n: int):  # type: ignore[no-untyped-def]
        yield from range(n)

    with pytest.raises(ToolDefinitionError, match="generator"):
        tool(numbers)


def test_an_unresolvable_forward_reference_is_refused() -> None:
    def f(a: int) -> None:
        return None

    f.__annotations__ = {"a": "Missing"}  # a forward reference to a name that does not exist

    with pytest.raises(ToolDefinitionError, match="cannot resolve"):
        tool(f)
