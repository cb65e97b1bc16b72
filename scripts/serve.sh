#!/usr/bin/env bash
# Create .venv (if needed), install the project, then serve the API on 127.0.0.1:8008.
# Extra arguments go to `apiserver serve`, e.g. `bash scripts/serve.sh --port 9000`.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[embedded]'
exec .venv/bin/apiserver serve "$@"
