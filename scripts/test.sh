#!/usr/bin/env bash
# Installs what the tests need (venv, dev packages, npm dev tools, Debian chromium + CJK fonts
# for the browser tests) and runs every check: lint, types, the pytest suite on SQLite and on
# PostgreSQL, the PWA's type check and unit tests. Safe to re-run; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
VENV=${VENV:-.venv}
PG_URL=${XUNJIAN_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}

step() { printf '\n== %s ==\n' "$*"; }

step "python environment ($VENV)"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet -e '.[dev]'
export PATH="$PWD/$VENV/bin:$PATH"

if [ -f mobile_pwa/package.json ]; then
  step "PWA dev tools (npm)"
  (cd mobile_pwa && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ -f mobile_pwa/scripts/ensure_chromium.sh ]; then
  step "browser for end-to-end tests (Debian chromium + CJK fonts)"
  sh mobile_pwa/scripts/ensure_chromium.sh
fi
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  step "nginx for the production-topology test (Debian's package)"
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq nginx >/dev/null
fi
# Playwright drives Debian's chromium; it must never try to download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

step "lint and types"
ruff check server tests bench infra
ruff format --check server tests bench infra
mypy

if [ -f mobile_pwa/package.json ]; then
  step "PWA: type check and unit tests"
  (cd mobile_pwa && npm run --silent typecheck && npm test --silent)
fi

step "pytest on SQLite"
XUNJIAN_TEST_DATABASE_URL= python -m pytest -q -p no:cacheprovider

if python - "$PG_URL" <<'PY'
import sys
import psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgresql+psycopg", "postgresql"), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {exc}")
    sys.exit(1)
PY
then
  step "pytest on PostgreSQL"
  XUNJIAN_TEST_DATABASE_URL="$PG_URL" python -m pytest -q -p no:cacheprovider -m "not db_independent"
elif [ -n "${CI:-}" ]; then
  echo "CI needs PostgreSQL for the second run of the suite" >&2
  exit 1
else
  echo "skipping the PostgreSQL run (set XUNJIAN_TEST_PG_URL to a reachable server)"
fi
