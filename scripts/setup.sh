#!/usr/bin/env bash
# Create .venv (if missing) and install qrt_jupyter with everything the tests need.
# Idempotent: a second run only checks that the installation is current.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test,bench]"
# the Jupyter kernel that notebooks and browser tests run on is this venv's Python
.venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (qrt_jupyter)" >/dev/null
