#!/usr/bin/env bash
# Benchmark: seed validation at level 5 of ROWS generated seed rows (default 100,000) on the
# examples/seeds schema (13 entities, staging pattern), with confiture (`confiture seed validate
# --level 5`) and with the original Python confiture (`confiture seed validate --prep-seed
# --level 5`), each on its own identical copy of the built database. Prints medians, the time
# per 10,000 rows and our time as a ratio of theirs.
#   scripts/bench-seeds.sh [ROWS] [RUNS]      (defaults: 100000, 3)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROWS="${1:-100000}"
RUNS="${2:-3}"
BENCH_DIR="${CONFITURE_BENCH_DIR:-/tmp/confiture-bench-seeds}"
BENCH_PORT="${CONFITURE_BENCH_PORT:-54334}"
export PGOPTIONS='-c client_min_messages=warning'

ensure_toolchain
ensure_python_confiture
bench_cluster "$BENCH_DIR" "$BENCH_PORT"
# The project: the example's schema, and ROWS generated seed rows in multi-row INSERTs.
PROJECT="$BENCH_DIR/project"
rm -rf "$PROJECT"
mkdir -p "$PROJECT/db/seeds" "$PROJECT/db/environments"
cp -r "$ROOT/examples/seeds/db/schema" "$PROJECT/db/"
printf 'name: local\ninclude_dirs: [db/schema]\n' > "$PROJECT/db/environments/local.yaml"
python3 - "$PROJECT/db/seeds" "$ROWS" <<'PY'
import sys
out, rows = sys.argv[1], int(sys.argv[2])
def uid(kind, n): return f"{kind:08x}-0000-4000-8000-{n:012d}"
# Up to 1% countries (at most 500: their codes are two letters), 9% regions, 30% cities, the rest customers: a four-level chain.
counts = {"country": min(rows // 100, 500), "region": rows * 9 // 100, "city": rows * 30 // 100}
counts["customer"] = rows - sum(counts.values())
def write(name, table, columns, values):
    with open(f"{out}/{name}", "w") as f:
        for start in range(0, len(values), 1000):
            f.write(f"INSERT INTO prep_seed.{table} ({', '.join(columns)}) VALUES\n")
            f.write(",\n".join(values[start:start + 1000]) + ";\n")
write("01_countries.sql", "tb_country", ["id", "code", "name"],
      [f"('{uid(1, i)}', '{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}', 'Country {i}')" for i in range(counts["country"])])
write("02_regions.sql", "tb_region", ["id", "fk_country_id", "name"],
      [f"('{uid(2, i)}', '{uid(1, i % counts['country'])}', 'Region {i}')" for i in range(counts["region"])])
write("03_cities.sql", "tb_city", ["id", "fk_region_id", "name", "population"],
      [f"('{uid(3, i)}', '{uid(2, i % counts['region'])}', 'City {i}', {i * 7 % 100000})" for i in range(counts["city"])])
write("04_customers.sql", "tb_customer", ["id", "fk_city_id", "email", "name"],
      [f"('{uid(7, i)}', '{uid(3, i % counts['city'])}', 'c{i}@example.org', 'Customer {i}')" for i in range(counts["customer"])])
PY

psql -X -q "$(url postgres)" -c "CREATE DATABASE built"
"$CONFITURE_BIN" --project "$PROJECT" build --database-url "$(url built)" --apply >/dev/null
psql -X -q "$(url built)" -c "ANALYZE" -c "CHECKPOINT"

ours=(); theirs=()
for run in $(seq "$RUNS"); do
    copy_of_built "ours_$run"
    ours+=("$(seconds "$CONFITURE_BIN" --project "$PROJECT" --format json seed validate --level 5 --database-url "$(url "ours_$run")")")
    # It really loaded and resolved every row, and found no problem.
    RESOLVED=$(python3 -c '
import json, sys
findings = json.load(open(sys.argv[1]))
problems = [f for f in findings if f["code"] != "ROW_COUNT"]
print(-1 if problems else sum(int(f["message"].split()[0]) for f in findings if f["object"].startswith("catalog.")))
' "$BENCH_DIR/last.out")
    [ "$RESOLVED" = "$ROWS" ] || die "confiture resolved $RESOLVED rows of $ROWS (-1: it reported problems): $(head -c 2000 "$BENCH_DIR/last.out")"
    copy_of_built "theirs_$run"
    theirs+=("$(cd "$PROJECT" && seconds "$VENV/bin/confiture" seed validate --prep-seed --level 5 \
        --seeds-dir db/seeds --database-url "$(url "theirs_$run")")")
done
# Levels 1-3 without a database (a pre-commit hook): confiture offline (pg_query over the schema
# and seed files) against the Python confiture's static levels, on the same files.
offline=(); static=()
for run in $(seq "$RUNS"); do
    offline+=("$(seconds "$CONFITURE_BIN" --project "$PROJECT" seed validate --level 3 --offline)")
    static+=("$(cd "$PROJECT" && seconds "$VENV/bin/confiture" seed validate --prep-seed --level 3 --static-only \
        --seeds-dir db/seeds)")
done
OO=$(printf '%s\n' "${offline[@]}" | median)
ST=$(printf '%s\n' "${static[@]}" | median)
O=$(printf '%s\n' "${ours[@]}" | median)
T=$(printf '%s\n' "${theirs[@]}" | median)
per() { printf '%.3f' "$(echo "$1 * 10000 / $ROWS" | bc -l)"; }
cat <<REPORT
Seed validation benchmark: level 5 on $ROWS seed rows (4 files, country -> region -> city -> customer),
median of $RUNS runs, whole commands, each on a fresh copy of the same built database
| what                                                              | seconds | per 10,000 rows | ratio |
|-------------------------------------------------------------------|---------|-----------------|-------|
| Python confiture $PY_VERSION: seed validate --prep-seed --level 5 | $T | $(per "$T") | 1x |
| confiture seed validate --level 5                                 | $O | $(per "$O") | $(printf '%.2fx' "$(echo "$O / $T" | bc -l)") |

Levels 1-3 without a database, same files, median of $RUNS runs
| what                                                                          | seconds | ratio |
|-------------------------------------------------------------------------------|---------|-------|
| Python confiture $PY_VERSION: seed validate --prep-seed --level 3 --static-only | $ST | 1x |
| confiture seed validate --level 3 --offline                                   | $OO | $(printf '%.2fx' "$(echo "$OO / $ST" | bc -l)") |
REPORT
