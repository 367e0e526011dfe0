#!/usr/bin/env bash
# Stop every process infra/cluster/up.sh started, by the PIDs it recorded.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python infra/cluster/cluster.py down
