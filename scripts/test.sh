#!/usr/bin/env bash
# Install the test dependencies (Debian's chromium and PostgreSQL, the Python test extras)
# and run the whole suite: unit, property, AppTest and Playwright end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,export]"
# The 30 slowest tests are listed at the end: the suite's time is watched, not hoped.
exec .venv/bin/python -m pytest -q -p no:cacheprovider --durations=30 "$@"
