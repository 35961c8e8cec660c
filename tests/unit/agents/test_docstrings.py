"""Docstrings in the three styles become the tool's description and parameter texts."""

from __future__ import annotations

from llamastack.agents.docstrings import parse_docstring

GOOGLE = """Current weather in a city.

    Looks the city up and reports the temperature,
    in the unit asked for.

    Args:
        city: The city's name,
            as the user wrote it.
        unit (Literal["c", "f"]): Temperature unit.
        days (tuple[int, int]): How many days
            ahead.

    Returns:
        A sentence.
    """

NUMPY = """Current weather in a city.

    Looks the city up.

    Parameters
    ----------
    city : str
        The city's name,
        as the user wrote it.
    unit : {'c', 'f'}, optional
        Temperature unit.
    low, high : int
        Bounds.

    Returns
    -------
    str
        A sentence.
    """

REST = """Current weather in a city.

    Looks the city up.

    :param city: The city's name,
        as the user wrote it.
    :param str unit: Temperature unit.
    :type unit: str
    :returns: A sentence.
    :raises ValueError: never.
    """


def test_google_style_keeps_every_line_of_descriptions() -> None:
    doc = parse_docstring(GOOGLE)
    assert doc.description == ("Current weather in a city.\n\nLooks the city up and reports the "
                               "temperature,\nin the unit asked for.")
    assert doc.params == {"city": "The city's name, as the user wrote it.",
                          "unit": "Temperature unit.", "days": "How many days ahead."}


def test_numpy_style_reads_the_parameters_section_only() -> None:
    doc = parse_docstring(NUMPY)
    assert doc.description == "Current weather in a city.\n\nLooks the city up."
    assert doc.params == {"city": "The city's name, as the user wrote it.",
                          "unit": "Temperature unit.", "low": "Bounds.", "high": "Bounds."}


def test_rest_style_reads_param_fields_and_ignores_the_others() -> None:
    doc = parse_docstring(REST)
    assert doc.description == "Current weather in a city.\n\nLooks the city up."
    assert doc.params == {"city": "The city's name, as the user wrote it.",
                          "unit": "Temperature unit."}


def test_no_docstring_is_an_empty_description() -> None:
    assert parse_docstring(None).description == ""
    assert parse_docstring("   ").params == {}


def test_a_docstring_without_sections_is_all_description() -> None:
    doc = parse_docstring("Adds two numbers.\n\n    Note that it also rounds: 1.5 -> 2.\n")
    assert doc.description == "Adds two numbers.\n\nNote that it also rounds: 1.5 -> 2."
    assert doc.params == {}


def test_google_section_ends_at_text_that_is_not_an_entry() -> None:
    doc = parse_docstring("Do it.\n\nArgs:\n    x: The x.\nMore text at the left margin.\n")
    assert doc.params == {"x": "The x."}
