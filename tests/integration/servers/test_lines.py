"""Line names and per-line paths of the server tooling, as pure functions: no server needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.servers import configs, install
from tests.integration.servers.httpkit import route


def test_all_names_every_line_newest_first() -> None:
    assert install.normalize_lines("all") == ("0.7", "0.6", "0.5", "0.4", "0.3", "0.2")


def test_a_comma_list_keeps_its_order_without_repeats() -> None:
    assert install.normalize_lines("0.2, 0.5,0.2") == ("0.2", "0.5")
    assert install.normalize_lines(["0.4", "0.2,0.4"]) == ("0.4", "0.2")


@pytest.mark.parametrize("bad", ["0.8", "", "0.2,,0.9"])
def test_an_unknown_line_is_an_error_naming_it_and_the_known_ones(bad: str) -> None:
    with pytest.raises(ValueError, match=r"0\.7, 0\.6, 0\.5, 0\.4, 0\.3, 0\.2, all"):
        install.normalize_lines(bad)


def test_api_and_core_are_pinned_together_from_04() -> None:
    for name, line in install.LINES.items():
        pins = [r for r in line.requirements if r.startswith("llama-stack")]
        expected = [f"llama-stack=={line.version}"]
        if name not in ("0.2", "0.3"):
            expected.append(f"llama-stack-api=={line.version}")
        assert pins == expected, name
        assert "mcp<2" in line.requirements


def test_each_version_has_its_own_venv() -> None:
    assert len({install.venv_dir(name) for name in install.LINES}) == 6
    assert install.venv_dir("0.4").name == "venv-0.4.7"


@pytest.mark.parametrize(("line", "path", "served"), [
    ("0.2", "/v1/chat/completions", "/v1/openai/v1/chat/completions"),
    ("0.2", "/v1/vector_stores/vs_1/files?limit=2", "/v1/openai/v1/vector_stores/vs_1/files?limit=2"),
    ("0.2", "/v1beta/datasetio/iterrows/d", "/v1/datasetio/iterrows/d"),
    ("0.2", "/v1/agents/a/session", "/v1/agents/a/session"),
    ("0.2", "/v1/models", "/v1/models"),
    ("0.3", "/v1/chat/completions", "/v1/chat/completions"),
    ("0.3", "/v1/agents/a/session", "/v1alpha/agents/a/session"),
    ("0.4", "/v1beta/connectors", "/v1alpha/connectors"),
    ("0.6", "/v1beta/connectors/c/tools", "/v1alpha/connectors/c/tools"),
    ("0.7", "/v1beta/connectors", "/v1beta/connectors"),
])
def test_route_gives_the_path_a_line_serves(line: str, path: str, served: str) -> None:
    assert route(line, path) == served


@pytest.mark.parametrize("line", list(install.LINES))
def test_every_config_names_the_same_models_and_binds_loopback(line: str, tmp_path: Path) -> None:
    config = configs.CONFIGS[line](tmp_path, "http://127.0.0.1:1/v1", 1234)
    assert config["server"] == {"host": "127.0.0.1", "port": 1234}
    inference = config["providers"]["inference"]
    assert [p["provider_id"] for p in inference] == [configs.FAKE_PROVIDER]
    models = config["models"] if line == "0.2" else config["registered_resources"]["models"]
    embed = [m for m in models if m["model_type"] == "embedding"]
    assert [m["provider_model_id"] for m in embed] == [configs.EMBED_ID]
