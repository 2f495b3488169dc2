#!/usr/bin/env bash
# Set everything up (Python packages, Debian's chromium), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
export HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest "$@"
