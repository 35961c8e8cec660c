"""The checked-in models, endpoints and api.md are exactly what the generator (tools/generate)
writes."""

from __future__ import annotations

import difflib
from pathlib import Path

import llamastack
from tests.unit.fixtures import ROOT, builder, generator

# The package under test: the source tree, or the installed wheel in the packaging matrix.
PACKAGE_ROOT = Path(llamastack.__file__).resolve().parent.parent


def test_checked_in_code_matches_the_generator(tmp_path: Path) -> None:
    gen = generator()
    files = gen.render_all(builder())
    gen.write(files, tmp_path)
    problems: list[str] = []
    for relative in sorted(files):
        generated = (tmp_path / relative).read_text(encoding="utf-8")
        checked_in = PACKAGE_ROOT / relative
        if not checked_in.exists():
            problems.append(f"{relative}: missing")
            continue
        current = checked_in.read_text(encoding="utf-8")
        if current != generated:
            diff = difflib.unified_diff(current.splitlines(), generated.splitlines(),
                                        f"checked in: {relative}", "generated", lineterm="", n=1)
            problems.append("\n".join(list(diff)[:40]))
    stale = [str(path.relative_to(PACKAGE_ROOT)) for path in gen.stale(files, PACKAGE_ROOT)]
    problems += [f"{path}: no longer generated" for path in stale]
    assert not problems, ("run `python -m tools.generate`; the checked-in code differs:\n"
                          + "\n\n".join(problems))



def test_checked_in_api_md_matches_the_generator() -> None:
    gen = generator()
    generated = gen.api_reference(builder(), gen.HANDWRITTEN.read_text(encoding="utf-8"))
    current = (ROOT / "api.md").read_text(encoding="utf-8")
    diff = difflib.unified_diff(current.splitlines(), generated.splitlines(), "checked in: api.md",
                                "generated", lineterm="", n=1)
    assert current == generated, ("run `python -m tools.generate`; api.md differs:\n"
                                  + "\n".join(list(diff)[:40]))
