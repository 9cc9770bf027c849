#!/usr/bin/env bash
# The lab's test command (README, second command; .ci/run calls it).
# On a machine with only Python + pip: installs Debian's chromium if missing,
# the dev requirements, then runs ruff and the whole pytest suite (incl. the
# browser tests). Extra arguments go to pytest, e.g. ./scripts/test.sh -m "not e2e".
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3 || command -v python)}

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium (the end-to-end tests drive it)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-liberation
fi

echo "== pip install -r requirements-dev.txt"
"$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore -r requirements-dev.txt

echo "== ruff check ."
"$PYTHON" -m ruff check .

echo "== pytest"
"$PYTHON" -m pytest -q --durations=15 "$@"   # the slowest tests: the suite must stay under 15 min
