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

# Worker processes: TEST_WORKERS if set, else the CPU count kept within 2-4. The browser tests form two
# xdist groups of whole files (tests/e2e/conftest.py), each run in turn in one worker on its own app server,
# the unit tests in the workers' spare time (on this 2-core machine 477-902 s beside a sweep, against ~790 s with one group
# and 1,249 s in one process: README's package table).
if [ -n "${TEST_WORKERS:-}" ]; then
  case "$TEST_WORKERS" in
    *[!0-9]* | 0*) echo "TEST_WORKERS must be a whole number of workers, at least 1 (got '$TEST_WORKERS')" >&2; exit 2 ;;
  esac
  WORKERS=$TEST_WORKERS
else
  WORKERS=$(nproc 2>/dev/null || echo 2)
  if [ "$WORKERS" -lt 2 ]; then WORKERS=2; elif [ "$WORKERS" -gt 4 ]; then WORKERS=4; fi
fi

echo "== pytest ($WORKERS workers)"
"$PYTHON" -m pytest -q -n "$WORKERS" --dist loadgroup --durations=15 "$@"   # the suite must stay under 15 min
