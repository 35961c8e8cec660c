# Shared by the scripts in this folder: where things live, and the dev virtualenv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

# The newest CPython of a minor version, from pyenv when present, else from PATH.
find_python() {
    local minor="$1" candidate
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in $(ls -d "$(pyenv root)"/versions/"$minor".*/bin/python"$minor" 2>/dev/null | sort -V -r); do
            echo "$candidate"; return 0
        done
    fi
    command -v "python$minor" || return 1
}

# The client's dev virtualenv (Python 3.11, else the default python3), with test extras.
ensure_dev_venv() {
    local stamp="$VENV/.installed" want
    want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    local base
    base="$(find_python 3.11 || command -v python3)"
    echo "== setting up $VENV with $base"
    "$base" -m venv "$VENV"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -e "$ROOT[test]"
    echo "$want" > "$stamp"
}
