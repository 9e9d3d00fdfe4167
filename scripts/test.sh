#!/usr/bin/env bash
# 测试: set up everything, then ruff and the whole pytest suite, once on SQLite and once on
# PostgreSQL (a fresh database made for this run and dropped after it), both at the same time
# (XUNCHA_TEST_ONE_BY_ONE=1: one after the other, each in two pytest-xdist workers;
# XUNCHA_TEST_WORKERS=N sets the workers per run). Extra arguments go to both pytest runs,
# e.g. `scripts/test.sh -x tests/test_config.py`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

started=$SECONDS
apt_ensure "${RUNTIME_APT_PACKAGES[@]}" "${TEST_APT_PACKAGES[@]}"
venv_ensure
say "set-up done in $((SECONDS - started)) s"

# ---- PostgreSQL on 127.0.0.1:5432 --------------------------------------------------------------

# Run one statement as postgres on the server's maintenance database.
# Exit 0: done; 2: the server answered but refused the login; 1: not reachable (or other error).
pg_admin() {
    .venv/bin/python - "$1" <<'PY'
import sys

import psycopg

try:
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5",
                         autocommit=True) as conn:
        conn.execute(sys.argv[1])
except psycopg.OperationalError as exc:
    message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    print(f"PostgreSQL: {message}", file=sys.stderr)
    sys.exit(2 if "authentication" in str(exc) or "password" in str(exc) else 1)
except psycopg.Error as exc:
    print(f"PostgreSQL: {exc}", file=sys.stderr)
    sys.exit(1)
PY
}

pg_wait() {
    local rc
    for _ in $(seq 30); do
        rc=0; pg_admin "SELECT 1" 2>/dev/null || rc=$?
        [ "$rc" != 1 ] && return "$rc"
        sleep 1
    done
    return 1
}

pg_ensure() {
    local rc=0 installed_here="" version hba
    if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
        :
    else
        if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
            apt_ensure postgresql
            installed_here=1
        fi
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        say "starting PostgreSQL $version"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    fi
    pg_wait || rc=$?
    if [ "$rc" = 2 ] && [ -n "$installed_here" ]; then
        # Debian's fresh cluster asks for a password on TCP; the suite logs in as postgres
        # without one, as on the project's machines. Only for a server this script installed.
        hba=/etc/postgresql/$version/main/pg_hba.conf
        say "allowing postgres to log in from 127.0.0.1 without a password ($hba)"
        as_root sed -i '1i host all postgres 127.0.0.1/32 trust  # xuncha scripts/test.sh' "$hba"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
        rc=0; pg_wait || rc=$?
    fi
    case $rc in
        0) ;;
        2) die "PostgreSQL 拒绝了 postgres 用户的登录 (refused postgres@127.0.0.1 without a password):" \
               "add 'host all postgres 127.0.0.1/32 trust' to pg_hba.conf, or run the suite on SQLite" ;;
        *) die "PostgreSQL 没有在 127.0.0.1:5432 响应 (PostgreSQL is not answering on 127.0.0.1:5432)" ;;
    esac
}

pg_ensure
test_db="xuncha_test_$(date +%Y%m%d_%H%M%S)_$$"
drop_test_db() {
    # Each pytest worker makes "<name>_gwN" (and the migration and backup tests "<name>_gwN_mig",
    # "..._restore") and drops them itself; a killed run may leave them, so drop every one.
    .venv/bin/python - "$test_db" <<'PY' || true
import sys

import psycopg

with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5",
                     autocommit=True) as conn:
    names = [row[0] for row in conn.execute("SELECT datname FROM pg_database")
             if row[0] == sys.argv[1] or row[0].startswith(sys.argv[1] + "_")]
    for name in names:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
PY
}
xvfb_pid=""
cleanup() {
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
    drop_test_db
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pg_admin "CREATE DATABASE \"$test_db\""
# A throw-away database need not survive a power cut: commits return before the WAL is on disk.
pg_admin "ALTER DATABASE \"$test_db\" SET synchronous_commit = off"
say "PostgreSQL test database $test_db (each pytest worker makes ${test_db}_gwN from it)"

# ---- lint and tests ----------------------------------------------------------------------------

set +e
reports=$(mktemp -d)
say "ruff check ."
.venv/bin/ruff check .
ruff_rc=$?

# Kivy gets a real X server when there is no screen (it also runs offscreen without one). One
# Xvfb for both runs: two `xvfb-run -a` started together can pick the same display number.
if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null; then
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$reports/display" >/dev/null 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 100); do [ -s "$reports/display" ] && break; sleep 0.1; done
    if [ -s "$reports/display" ]; then
        export DISPLAY=":$(cat "$reports/display")"
    else
        say "Xvfb did not start; Kivy renders offscreen instead"
    fi
fi

# The environment may forbid .pyc files; each pytest process (every xdist worker) and every CLI
# the tests start would then compile and assertion-rewrite every module again.
unset PYTHONDONTWRITEBYTECODE
# pytest-xdist workers per run (0: one process); `--dist loadfile` keeps a file's tests, and its
# module fixtures, in one worker. Two runs at once already keep both cores busy: measured on
# this 2-core machine, two workers each took as long and used a quarter more CPU time.
one_by_one=${XUNCHA_TEST_ONE_BY_ONE:-0}
workers=${XUNCHA_TEST_WORKERS:-$([ "$one_by_one" = 1 ] && echo 2 || echo 0)}
parallel=()
[ "$workers" != 0 ] && parallel=(-n "$workers" --dist loadfile)

run_suite() {  # name, then pytest arguments
    local name=$1 t0=$SECONDS rc
    shift
    say "pytest on $name"
    # A test stuck for 5 minutes ends the run with every thread's stack, not CI's time limit.
    .venv/bin/pytest "${parallel[@]}" --timeout=300 --timeout-method=thread --durations=15 \
        --junitxml="$reports/$name.xml" "$@"
    rc=$?
    say "pytest on $name: exit $rc in $((SECONDS - t0)) s"
    return $rc
}

pg_url="postgresql+psycopg://postgres@127.0.0.1:5432/$test_db"
if [ "$one_by_one" = 1 ]; then
    run_suite sqlite "$@"
    sqlite_rc=$?
    XUNCHA_TEST_DATABASE_URL=$pg_url run_suite postgresql "$@"
    pg_rc=$?
else
    # Both runs at once: one's waits (PostgreSQL, subprocesses, browsers) fill the other's CPU
    # time. Each writes to its own log, shown in full when it ends.
    say "pytest on sqlite and on postgresql at the same time (XUNCHA_TEST_ONE_BY_ONE=1: one by one)"
    run_suite sqlite "$@" >"$reports/sqlite.log" 2>&1 &
    sqlite_pid=$!
    XUNCHA_TEST_DATABASE_URL=$pg_url run_suite postgresql "$@" >"$reports/postgresql.log" 2>&1 &
    pg_pid=$!
    wait "$sqlite_pid"
    sqlite_rc=$?
    cat "$reports/sqlite.log"
    wait "$pg_pid"
    pg_rc=$?
    cat "$reports/postgresql.log"
fi

status=0
for part in "ruff:$ruff_rc" "sqlite:$sqlite_rc" "postgresql:$pg_rc"; do
    [ "${part#*:}" = 0 ] || { say "FAILED: ${part%%:*} (exit ${part#*:})"; status=1; }
done
say "scripts/test.sh $([ $status = 0 ] && echo passed || echo failed) in $((SECONDS - started)) s"

# Closing lines, one per run and a total, in the plain "N passed, N failed, N skipped" form.
.venv/bin/python - "$reports" <<'PY'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

total = [0, 0, 0]
for name in ("sqlite", "postgresql"):
    path = Path(sys.argv[1]) / f"{name}.xml"
    if not path.exists():
        print(f"{name}: pytest ended without a report (killed, timed out or could not start)")
        total[1] += 1
        continue
    tests = failed = skipped = 0
    for suite in ET.parse(path).getroot().iter("testsuite"):
        tests += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    counts = [tests - failed - skipped, failed, skipped]
    total = [a + b for a, b in zip(total, counts, strict=True)]
    print(f"{name}: {counts[0]} passed, {counts[1]} failed, {counts[2]} skipped")
print(f"total: {total[0]} passed, {total[1]} failed, {total[2]} skipped")
PY
rm -rf "$reports"
exit $status
