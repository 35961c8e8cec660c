"""Checks for the packaging matrix (scripts/matrix).

    check_dist.py WHEEL SDIST   the wheel holds only the package (with py.typed); the sdist
                                holds what a packager needs to rebuild and test
    check_dist.py --lower-bounds  pip constraints pinning each runtime dependency to the
                                lower bound in pyproject.toml
"""

from __future__ import annotations

import re
import sys
import tarfile
import zipfile
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent


def lower_bounds() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = []
    for requirement in project["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9][0-9.]*)", requirement.replace(" ", ""))
        if match is None:
            raise SystemExit(f"cannot read a lower bound from {requirement!r}")
        lines.append(f"{match.group(1)}=={match.group(2)}")
    return "\n".join(lines)


def check(wheel: Path, sdist: Path) -> None:
    problems = []
    names = zipfile.ZipFile(wheel).namelist()
    outside = sorted({n.split("/")[0] for n in names} - {"llamastack"}
                     - {n.split("/")[0] for n in names if ".dist-info/" in n})
    if outside:
        problems.append(f"wheel contains more than the package: {outside}")
    if "llamastack/py.typed" not in names:
        problems.append("wheel lacks llamastack/py.typed")
    source_modules = {str(p.relative_to(ROOT)) for p in (ROOT / "llamastack").rglob("*.py")}
    missing = sorted(source_modules - set(names))
    if missing:
        problems.append(f"wheel lacks modules: {missing}")
    with tarfile.open(sdist) as tar:
        members = {"/".join(m.split("/")[1:]) for m in tar.getnames()}
    for needed in ("pyproject.toml", "README.md", "llamastack/__init__.py", "specs/README.md",
                   "tests/unit", "scripts/test"):
        if not any(m == needed or m.startswith(needed + "/") for m in members):
            problems.append(f"sdist lacks {needed}")
    if problems:
        raise SystemExit("\n".join(problems))
    print(f"wheel: {len(names)} files, package only; sdist: {len(members)} files incl. specs and tests")


if __name__ == "__main__":
    if sys.argv[1:] == ["--lower-bounds"]:
        print(lower_bounds())
    else:
        check(Path(sys.argv[1]), Path(sys.argv[2]))
