#!/usr/bin/env bash
# Create .venv (if needed), install the project with its test extras, then lint and test.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/unit -k negotiation`.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[embedded,test]'
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
