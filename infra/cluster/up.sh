#!/usr/bin/env bash
# Start the production topology on this machine (loopback only). See infra/cluster/cluster.py.
#   infra/cluster/up.sh [--fresh]
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv/bin/xunjian ] || make .venv/bin/xunjian
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq nginx >/dev/null
fi
.venv/bin/pip install --quiet 'psycopg[binary]>=3.1'
exec .venv/bin/python infra/cluster/cluster.py up "$@"
