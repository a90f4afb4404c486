#!/usr/bin/env bash
# Run every test tier; exit non-zero on any failure. Installs what is missing first.
#   1. unit tests (plain #[test]: the pure core crate, the extension's pure code, the CLI) and
#      the check that no module imports one that imports it back
#   2. in-server tests (#[pg_test], cargo pgrx test)
#   3. SQL sessions with expected output (pg_regress, tests/sql -> tests/expected)
#   4. CLI end to end against a throwaway cluster (tests/cli)
#   5. upgrades: ALTER EXTENSION UPDATE from 0.1.0, fresh = upgraded catalogs, pg_upgrade --check
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEST_DIR="${CONFITURE_TEST_DIR:-/tmp/confiture-test}"
TEST_PORT="${CONFITURE_TEST_PORT:-54330}"
PG_REGRESS="/usr/lib/postgresql/$PG_MAJOR/lib/pgxs/src/test/regress/pg_regress"

ensure_toolchain
cd "$ROOT"

say "tier 1: unit tests, import cycles"
python3 scripts/check-cycles.py
cargo test --quiet -p confiture-core
cargo test --quiet -p confiture-cli --bins
cargo test --quiet -p confiture --lib -- --skip pg_tests::

say "tier 2: in-server tests (cargo pgrx test)"
# As root the test server runs as postgres; otherwise as you. Either way --runas makes
# cargo-pgrx copy the extension into PostgreSQL's directories with sudo.
if is_root; then RUNAS=(--runas postgres); else RUNAS=(--runas "$(id -un)"); fi
rm -rf "$TEST_DIR-pgrx"
mkdir -p target
if ! cargo pgrx test pg$PG_MAJOR "${RUNAS[@]}" --pgdata "$TEST_DIR-pgrx" >target/pgrx-test.log 2>&1; then
    tail -60 target/pgrx-test.log >&2
    die "tier 2 failed (full log: target/pgrx-test.log)"
fi
grep -E "^test result" target/pgrx-test.log

install_extension
build_cli
trap 'cluster_stop "$TEST_DIR"' EXIT
cluster_stop "$TEST_DIR"
cluster_start "$TEST_DIR" "$TEST_PORT"

say "tier 3: SQL sessions (pg_regress)"
mkdir -p "$ROOT/target/regress"
TESTS=$(cd tests/sql && ls *.sql | sed 's/\.sql$//')
"$PG_REGRESS" --host=127.0.0.1 --port="$TEST_PORT" --user=postgres \
    --inputdir=tests --outputdir=target/regress --dbname=confiture_regress $TESTS \
    || { cat target/regress/regression.diffs 2>/dev/null | head -100; die "tier 3 failed"; }

say "tier 4: CLI end to end"
ensure_python_confiture
CONFITURE_TEST_URL="postgresql://postgres@127.0.0.1:$TEST_PORT" CONFITURE_TEST_TLS_DIR="$TEST_DIR/tls" \
    CONFITURE_PYTHON_CONFITURE="$VENV/bin/confiture" \
    cargo test --quiet -p confiture-cli --test cli -- --test-threads=2

source "$ROOT/tests/upgrade/run.sh"

say "all tiers passed"
