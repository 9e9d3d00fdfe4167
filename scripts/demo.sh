#!/usr/bin/env bash
# 演示: set up, migrate, build the demo city once, then serve it (SQLite + photos in instance/).
# Arguments go to `xuncha serve`, e.g. `scripts/demo.sh --host 0.0.0.0 --port 8080`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

apt_ensure "${RUNTIME_APT_PACKAGES[@]}"
venv_ensure

say "xuncha db upgrade"
.venv/bin/xuncha db upgrade

# Build the demo city only into a database that has no office at all: never beside real data.
offices=0
.venv/bin/python - <<'PY' || offices=$?
import sys

import sqlalchemy as sa

from server import create_app
from server.domain.models import Office
from server.extensions import db

with create_app().app_context():
    sys.exit(3 if db.session.scalar(sa.select(sa.func.count()).select_from(Office)) else 0)
PY
case $offices in
    0) say "xuncha demo build"; .venv/bin/xuncha demo build ;;
    3) say "the database already has an office: the demo city is not built again" ;;
    *) die "could not read the database (exit $offices)" ;;
esac

say "xuncha serve $*"
exec .venv/bin/xuncha serve "$@"
