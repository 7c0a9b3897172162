#!/usr/bin/env bash
# Set up, then run the whole test suite: unit and integration tests, the tutorial
# notebooks (nbval) and the end-to-end tests in a real JupyterLab in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash .ci/debian-deps.sh
export QRT_HOME="$(mktemp -d -t qrt-test-XXXXXX)"
.venv/bin/python -m pytest tests notebooks --nbval-lax -p no:cacheprovider -ra "$@"
