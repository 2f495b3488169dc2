#!/usr/bin/env bash
# Create .venv and install pinned dependencies; idempotent and quick when nothing changed.
# Usage: scripts/setup.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-runtime}"
req=requirements.txt
[ "$profile" = dev ] && req=requirements-dev.txt

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi

# Re-install only when the requirement files changed since the last successful install.
stamp=".venv/.installed-$profile"
want="$(cat requirements.txt "$req" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[setup] installing $req (first run takes about a minute)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
fi

# Browser tests drive Debian's Chromium; Playwright's own browser download is never used.
if [ "$profile" = dev ] && [ ! -x /usr/bin/chromium ]; then
  echo "[setup] installing Debian's chromium for the browser tests"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
