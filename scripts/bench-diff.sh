#!/usr/bin/env bash
# Benchmark: schema diff of the generated 1000-table project against a copy with 50 changes,
# confiture diff beside migra (PyPI), on the same two databases. Prints medians, the ratio, and
# whether each tool's plan, applied to a copy of the first database, makes it dump exactly like
# the second (column order aside).
#   scripts/bench-diff.sh [TABLES] [RUNS]      (defaults: 1000 tables, 5 runs)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TABLES="${1:-1000}"
RUNS="${2:-5}"
BENCH_DIR="${CONFITURE_BENCH_DIR:-/tmp/confiture-bench-diff}"
BENCH_PORT="${CONFITURE_BENCH_PORT:-54333}"
MIGRA_VENV="$ROOT/target/migra-venv"
export PGOPTIONS='-c client_min_messages=warning'

ensure_toolchain
if ! "$MIGRA_VENV/bin/migra" --help >/dev/null 2>&1; then
    say "installing migra into $MIGRA_VENV"
    python3 -m venv "$MIGRA_VENV"
    "$MIGRA_VENV/bin/pip" install --quiet migra "psycopg[binary]" psycopg2-binary
fi
MIGRA_VERSION=$("$MIGRA_VENV/bin/pip" show migra | awk '/^Version/ {print $2}')
build_cli --release
trap 'cluster_stop "$BENCH_DIR"' EXIT
cluster_stop "$BENCH_DIR"
cluster_start "$BENCH_DIR" "$BENCH_PORT"
url() { cluster_url "$BENCH_DIR" "$BENCH_PORT" "$1"; }
PROJECT="$BENCH_DIR/project"
python3 "$CONFITURE_CORPUS/gen_schema.py" --tables "$TABLES" --migrations 0 --out "$PROJECT" >/dev/null
"$CONFITURE_BIN" --project "$PROJECT" build >/dev/null
psql -X -q "$(url postgres)" -c "CREATE DATABASE before"
psql -X -q -v ON_ERROR_STOP=1 -1 "$(url before)" -f "$PROJECT/db/generated/schema_local.sql" >/dev/null
psql -X -q "$(url postgres)" -c "CREATE DATABASE after TEMPLATE before"

# 50 changes of every common kind, on tables spread over the schema.
python3 - "$(url after)" <<'PY' | psql -X -q -v ON_ERROR_STOP=1 "$(url after)" >/dev/null
import subprocess, sys
rows = subprocess.run(["psql", "-X", "-tA", "-F", "|", sys.argv[1], "-c",
    "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
    "WHERE table_schema NOT IN ('pg_catalog','information_schema') AND data_type IN ('text','integer') "
    "AND column_name NOT IN ('id') ORDER BY 1, 2, 3"], capture_output=True, text=True, check=True).stdout.split("\n")
columns = [r.split("|") for r in rows if r]
step = max(1, len(columns) // 40)
picked = columns[::step][:40]
q = lambda s, t: f'"{s}"."{t}"'
out = []
for i, (s, t, c, ty) in enumerate(picked[:10]):
    out.append(f'ALTER TABLE {q(s, t)} ADD COLUMN bench_added_{i} text DEFAULT \'x\';')
for i, (s, t, c, ty) in enumerate(picked[10:20]):
    out.append(f'CREATE INDEX bench_idx_{i} ON {q(s, t)} ("{c}");')
for i, (s, t, c, ty) in enumerate(picked[20:25]):
    out.append(f'ALTER TABLE {q(s, t)} ALTER COLUMN "{c}" TYPE {"bigint" if ty == "integer" else "varchar(500)"};')
for i, (s, t, c, ty) in enumerate(picked[25:30]):
    out.append(f'COMMENT ON TABLE {q(s, t)} IS \'bench comment {i}\';')
for i, (s, t, c, ty) in enumerate(picked[30:35]):
    out.append(f'CREATE VIEW "{s}".bench_view_{i} AS SELECT "{c}" FROM {q(s, t)};')
for i, (s, t, c, ty) in enumerate(picked[35:40]):
    out.append(f'ALTER TABLE {q(s, t)} ALTER COLUMN "{c}" SET DEFAULT {0 if ty == "integer" else chr(39) + "d" + chr(39)};')
for i in range(5):
    out.append(f'CREATE TABLE public.bench_new_{i} (id bigint PRIMARY KEY, name text NOT NULL, created timestamptz DEFAULT now());')
for i in range(5):
    out.append(f'CREATE FUNCTION public.bench_fn_{i}(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$SELECT x + {i}$$;')
assert len(out) == 50, len(out)
print("\n".join(out))
PY

ours=(); theirs=()
for run in $(seq "$RUNS"); do
    ours+=("$(BENCH_OK_EXIT=1 seconds "$CONFITURE_BIN" --no-config diff --from "$(url before)" --to "$(url after)" -f sql --allow-hazards all)")
    cp "$BENCH_DIR/last.out" "$BENCH_DIR/confiture.sql"
    theirs+=("$(BENCH_OK_EXIT=2 seconds "$MIGRA_VENV/bin/migra" --unsafe "$(url before)" "$(url after)")")
    cp "$BENCH_DIR/last.out" "$BENCH_DIR/migra.sql"
done

# Round trip: each tool's plan applied to a copy of "before" must make it dump like "after".
comparable() {
    pg_dump --schema-only "$1" | grep -v -e '^--' -e '^\\' -e '^$' | python3 -c '
import sys
out, block = [], None
for line in sys.stdin.read().splitlines():
    if block is not None:
        if line.startswith(")"): out += sorted(block) + [line]; block = None
        else: block.append(line.rstrip(","))
        continue
    out.append(line)
    if line.endswith("(") and line.startswith(("CREATE TABLE", "CREATE TYPE")): block = []
print("\n".join(out))'
}
comparable "$(url after)" > "$BENCH_DIR/after.dump"
round_trip() {  # round_trip TOOL SCRIPT
    psql -X -q "$(url postgres)" -c "DROP DATABASE IF EXISTS rt_$1" -c "CREATE DATABASE rt_$1 TEMPLATE before"
    if psql -X -q -v ON_ERROR_STOP=1 "$(url "rt_$1")" -f "$2" >"$BENCH_DIR/apply_$1.log" 2>&1 \
        && comparable "$(url "rt_$1")" | diff -q - "$BENCH_DIR/after.dump" >/dev/null; then echo "identical"; else echo "differs"; fi
}
O=$(printf '%s\n' "${ours[@]}" | median)
T=$(printf '%s\n' "${theirs[@]}" | median)
cat <<REPORT
Diff benchmark: $TABLES generated tables against a copy with 50 changes, median of $RUNS runs, whole commands
| what                                    | seconds | ratio | statements | round trip |
|-----------------------------------------|---------|-------|------------|------------|
| migra $MIGRA_VERSION (--unsafe)           | $T | 1x | $(grep -c ';$' "$BENCH_DIR/migra.sql") | $(round_trip migra "$BENCH_DIR/migra.sql") |
| confiture diff (snapshot + plan)        | $O | $(printf '%.1fx faster' "$(echo "$T / $O" | bc -l)") | $(grep -c ';$' "$BENCH_DIR/confiture.sql") | $(round_trip confiture "$BENCH_DIR/confiture.sql") |
REPORT
