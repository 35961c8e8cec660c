"""The model layer: dataclasses-json's methods on every model, dataclasses-json loaded lazily.

A script that only makes calls never loads dataclasses-json (nor marshmallow): the decoders
do not need it. The first ``to_dict``/``from_dict``/``to_json``/``from_json``/``schema``
loads it, and from then on every model is a ``DataClassJsonMixin`` with its catch-all field.
The processes below are fresh interpreters, so nothing has loaded it before them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from dataclasses import dataclass, field
from typing import Any, Optional

import dataclasses_json
import pytest
import responses

from llamastack import LlamaStackClient, Model
from llamastack.models.base import load_dataclasses_json, union_field, wire_name
from tests.unit.specs_for_tests import BASE, Thing, ThingRetrieve


def run_fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_script_that_only_makes_calls_never_loads_dataclasses_json() -> None:
    out = run_fresh("""
        import sys
        import responses
        from llamastack import LlamaStackClient
        import llamastack.endpoints as endpoints
        from llamastack.endpoints import ModelList
        from llamastack.spec import plan_for

        for name in endpoints.__all__:  # every decoder compiled
            plan_for(getattr(endpoints, name))
        with responses.RequestsMock() as mock:
            mock.get("http://server/v1/models", json={"data": [
                {"id": "m", "object": "model", "created": 1, "owned_by": "o", "new": 1}]})
            models = LlamaStackClient("http://server", server_line="0.7").call(ModelList())
        print(models.data[0].model_extra, "dataclasses_json" in sys.modules,
              "marshmallow" in sys.modules)
    """)
    assert out == "{'new': 1} False False"


def test_the_first_json_method_loads_it_and_makes_models_mixins() -> None:
    out = run_fresh("""
        import sys
        from llamastack.models.models import OpenAIModel
        model = OpenAIModel(id="m", created=1, owned_by="o", model_extra={"new": 1})
        before = "dataclasses_json" in sys.modules
        data = model.to_dict()
        import dataclasses_json
        print(before, data["new"], isinstance(model, dataclasses_json.DataClassJsonMixin))
    """)
    assert out == "False 1 True"


def test_a_model_nested_in_a_programs_own_dataclass_json_class_keeps_unknown_fields() -> None:
    """dataclasses-json decodes the model itself there (not through the model's from_dict):
    reading the model's config loads the model layer first."""
    out = run_fresh("""
        from dataclasses import dataclass
        from dataclasses_json import dataclass_json
        from llamastack.models.models import OpenAIModel

        @dataclass_json
        @dataclass
        class Mine:
            model: OpenAIModel

        mine = Mine.from_dict({"model": {"id": "m", "created": 1, "owned_by": "o", "new": 1}})
        print(mine.model.model_extra, mine.to_dict()["model"]["new"])
    """)
    assert out == "{'new': 1} 1"


@dataclass(kw_only=True)
class Named(Model):
    schema_: Optional[str] = field(default=None, metadata=wire_name("schema"))
    items: list[Any] = union_field(list[Any], default_factory=list)


def test_wire_name_and_union_field_are_what_dataclasses_json_config_gives() -> None:
    ours = wire_name("schema")["dataclasses_json"]
    theirs = dataclasses_json.config(field_name="schema")["dataclasses_json"]
    assert set(ours) == set(theirs) == {"letter_case"}
    assert ours["letter_case"]("schema_") == theirs["letter_case"]("schema_") == "schema"
    assert Named.from_dict({"schema": "s", "items": [1]}) == Named(schema_="s", items=[1])
    assert Named(schema_="s").to_dict() == {"schema": "s", "items": []}


def test_every_method_of_the_mixin_works_on_a_model(mock: responses.RequestsMock,
                                                    client: LlamaStackClient) -> None:
    body = {"id": "t1", "name": "one", "options": None, "created_at": 5}
    mock.get(BASE + "/v1/things/t1", json=body)
    thing = client.call(ThingRetrieve(thing_id="t1"))
    assert thing.to_dict() == body
    assert json.loads(thing.to_json(sort_keys=True)) == body
    assert Thing.from_json(json.dumps(body)) == thing
    assert Thing.from_json(json.dumps(body)).model_extra == {"created_at": 5}
    with warnings.catch_warnings():  # marshmallow's deprecations of what dataclasses-json uses
        warnings.simplefilter("ignore")
        assert Thing.schema().load({"id": "t1", "name": "one"}) == Thing(id="t1", name="one")
    assert load_dataclasses_json() is dataclasses_json
    assert isinstance(thing, dataclasses_json.DataClassJsonMixin)
    assert Model.dataclass_json_config["undefined"] is dataclasses_json.Undefined.INCLUDE


def test_the_model_config_reads_as_a_mapping() -> None:
    config = Model.dataclass_json_config
    assert list(config) == ["undefined"] and len(config) == 1
    assert config.get("letter_case") is None
    with pytest.raises(KeyError):
        config["letter_case"]
