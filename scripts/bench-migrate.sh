#!/usr/bin/env bash
# Benchmark: apply the generator's migrations (default 200, onto its built 1000-table schema) with
# confiture and with the original Python confiture (`pip install fraiseql-confiture`,
# `confiture migrate up --config ...`), each run on its own identical copy of the built database.
# Prints medians and our time as a ratio of theirs.
#   scripts/bench-migrate.sh [TABLES] [MIGRATIONS] [RUNS]      (defaults: 1000, 200, 5)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TABLES="${1:-1000}"
MIGRATIONS="${2:-200}"
RUNS="${3:-5}"
BENCH_DIR="${CONFITURE_BENCH_DIR:-/tmp/confiture-bench-migrate}"
BENCH_PORT="${CONFITURE_BENCH_PORT:-54333}"
export PGOPTIONS='-c client_min_messages=warning'

ensure_toolchain
ensure_python_confiture
bench_start "$BENCH_DIR" "$BENCH_PORT" "$TABLES" "$MIGRATIONS"
psql -X -q "$(url postgres)" -c "CREATE DATABASE built"
"$CONFITURE_BIN" --project "$PROJECT" build --database-url "$(url built)" --apply >/dev/null
# Both tools start from the same catalog: clones of the built database, statistics settled.
psql -X -q "$(url built)" -c "ANALYZE" -c "CHECKPOINT"

# A copy of database "built" named $1, and a Python confiture config file pointing at it.
copy_with_config() {
    copy_of_built "$1"
    printf 'name: %s\ndatabase_url: %s\n' "$1" "$(url "$1")" > "$BENCH_DIR/$1.yaml"
}

applied() { psql -X -At "$(url "$1")" -c "$2"; }

ours=(); theirs=()
for run in $(seq "$RUNS"); do
    copy_with_config "ours_$run"
    copy_with_config "theirs_$run"
    ours+=("$(seconds "$CONFITURE_BIN" --project "$PROJECT" migrate up --database-url "$(url "ours_$run")")")
    theirs+=("$(cd "$PROJECT" && seconds "$VENV/bin/confiture" migrate up --config "$BENCH_DIR/theirs_$run.yaml")")
done
# Both really applied every migration.
OURS_DONE=$(applied ours_1 "SELECT count(*) FROM confiture.migration_history")
THEIRS_DONE=$(applied theirs_1 "SELECT count(*) FROM tb_confiture")
[ "$OURS_DONE" = "$MIGRATIONS" ] && [ "$THEIRS_DONE" = "$MIGRATIONS" ] \
    || die "expected $MIGRATIONS applied migrations each, found $OURS_DONE (confiture) and $THEIRS_DONE (Python confiture)"
O=$(printf '%s\n' "${ours[@]}" | median)
T=$(printf '%s\n' "${theirs[@]}" | median)
cat <<REPORT
Migration benchmark: $MIGRATIONS migrations onto $TABLES built tables, median of $RUNS runs, whole commands,
each on a fresh copy of the same built database
| what                                                   | seconds | ratio |
|--------------------------------------------------------|---------|-------|
| Python confiture $PY_VERSION: confiture migrate up --config  | $T | 1x |
| confiture migrate up (the server applies them)         | $O | $(printf '%.2fx' "$(echo "$O / $T" | bc -l)") |
REPORT
