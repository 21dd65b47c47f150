#!/usr/bin/env bash
# Install Studio into .venv and start it on the demo workspace: http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! python3 -c "import ensurepip, venv" 2>/dev/null; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/studio app --demo --workspace "${STUDIO_WORKSPACE:-workspace}" "$@"
