#!/usr/bin/env bash
# Set up, then run the quickstart notebook headless against the local runtime.
# Writes notebooks/01_quickstart.executed.ipynb and .html next to it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python scripts/run_quickstart.py "$@"
