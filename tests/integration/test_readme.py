"""Every Python example in README.md runs, unchanged, against the real 0.7 server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=lambda i: f"block{i}")
def test_readme_example_runs(index: int, server_07: str, tmp_path: Path) -> None:
    env = {**os.environ, "LLAMA_STACK_BASE_URL": server_07}
    env.pop("LLAMA_STACK_LOG", None)
    result = subprocess.run([sys.executable, "-c", BLOCKS[index]], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"README block {index} failed:\n{BLOCKS[index]}\n{result.stderr}"
