"""``python -m tools.generate [--out DIR]``: regenerate the models, endpoints and api.md from specs/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.generate.build import build
from tools.generate.documents import ROOT, SPECS, load_documents
from tools.generate.emit_api import HANDWRITTEN, api_reference
from tools.generate.emit_package import render_all, stale, write
from tools.generate.emit_readme import readme_tables, update_readme

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.generate",
        description="Generate llamastack/models, llamastack/endpoints and api.md from the documents in "
                    "specs/.")
    parser.add_argument("--out", type=Path, default=ROOT, help="root of the tree to write (default: repo)")
    args = parser.parse_args(argv)
    documents = load_documents()
    builder = build(documents)
    files = render_all(builder)
    # specs/README.md is written by hand around the tables the generator keeps current.
    readme = (SPECS / "README.md").read_text(encoding="utf-8")
    files["specs/README.md"] = update_readme(readme, readme_tables(documents, builder.specs))
    files["api.md"] = api_reference(builder, HANDWRITTEN.read_text(encoding="utf-8"))
    written = write(files, args.out)
    for path in stale(files, args.out):
        path.unlink()
        written.append(path)
    print(f"{len(builder.specs)} specs, {len(builder.defs)} models; {len(written)} files changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
