#!/usr/bin/env bash
# Benchmark: build a generated schema project with confiture, side by side with psql -1 -f of the
# same concatenation, on the same throwaway cluster. Prints medians, ranges and ratios. psql runs
# with check_function_bodies=off, as a build does (pg_dump output sets it too): like with like.
#   scripts/bench-build.sh [TABLES] [RUNS]      (defaults: 1000 tables, 5 runs)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TABLES="${1:-1000}"
RUNS="${2:-5}"
BENCH_DIR="${CONFITURE_BENCH_DIR:-/tmp/confiture-bench}"
BENCH_PORT="${CONFITURE_BENCH_PORT:-54331}"
export PGOPTIONS='-c client_min_messages=warning'

ensure_toolchain
bench_start "$BENCH_DIR" "$BENCH_PORT" "$TABLES"
echo "allow_reset: true" >> "$PROJECT/db/environments/local.yaml"
"$CONFITURE_BIN" --project "$PROJECT" build --env local >/dev/null
SQL="$PROJECT/db/generated/schema_local.sql"
FILES=$(grep -c '^-- file: ' "$SQL")

stats() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f %.2f %.2f", m, a[1], a[NR]}'; }

# Every target database exists before the clock starts, and dirty pages are flushed: dropping a
# large database right before a run slows down whichever tool runs next (seen: 1.5 s -> 4 s).
for run in $(seq "$RUNS"); do
    psql -X -q "$(url postgres)" -c "CREATE DATABASE psql_$run" -c "CREATE DATABASE confiture_$run"
done
sync; sleep 2

psql_times=(); confiture_times=(); clone_times=()
for run in $(seq "$RUNS"); do
    psql_times+=("$(seconds env PGOPTIONS="$PGOPTIONS -c check_function_bodies=off" psql -X -q -1 -v ON_ERROR_STOP=1 -f "$SQL" "$(url "psql_$run")")")
    confiture_times+=("$(seconds "$CONFITURE_BIN" --project "$PROJECT" build --env local --apply --database-url "$(url "confiture_$run")")")
done
# --fresh: the first run drops nothing, builds and saves a template; the next ones drop the
# previous database and clone the template (that drop is part of what --fresh does). Each starts
# on a quiet cluster, as when a developer re-runs it: right after the heavy writes above, the
# machine's writeback makes the copy take 2-3 s instead.
sync; sleep 2
fresh_build=$(seconds "$CONFITURE_BIN" --project "$PROJECT" build --env local --fresh --database-url "$(url fresh)")
for run in $(seq "$RUNS"); do
    sync; sleep 2
    clone_times+=("$(seconds "$CONFITURE_BIN" --project "$PROJECT" build --env local --fresh --database-url "$(url fresh)")")
done

read -r P P_MIN P_MAX <<<"$(printf '%s\n' "${psql_times[@]}" | stats)"
read -r C C_MIN C_MAX <<<"$(printf '%s\n' "${confiture_times[@]}" | stats)"
read -r F F_MIN F_MAX <<<"$(printf '%s\n' "${clone_times[@]}" | stats)"
STATEMENTS=$(psql -X -At "$(url confiture_1)" -c "SELECT statement_count FROM confiture.build_history")
ratio() { printf '%.2fx' "$(echo "$1 / $P" | bc -l)"; }
cat <<REPORT
Build benchmark: $TABLES tables, $FILES files, $STATEMENTS statements; $RUNS runs each, median (min-max) in seconds
| what                                                 | median | range       | ratio to psql |
|------------------------------------------------------|--------|-------------|---------------|
| psql -1 -f db/generated/schema_local.sql (bodies unchecked) | $P | $P_MIN-$P_MAX | 1.00x |
| confiture build --apply (into an empty database)     | $C | $C_MIN-$C_MAX | $(ratio "$C") |
| confiture build --fresh, first (build + template)    | $(printf "%.3f" "$fresh_build") | one run | $(ratio "$fresh_build") |
| confiture build --fresh, unchanged schema (clone)    | $F | $F_MIN-$F_MAX | $(ratio "$F") |
REPORT
