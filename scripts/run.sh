#!/usr/bin/env bash
# Set everything up, then serve the dashboard on the bundled data (http://localhost:8501).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh runtime
export HF_HUB_OFFLINE=1
exec .venv/bin/python -m streamlit run app.py \
  --server.headless true --server.fileWatcherType none --browser.gatherUsageStats false "$@"
