#!/usr/bin/env bash
# Benchmark: schema-to-schema over postgres_fdw, a 3-table foreign-key graph (users, orders,
# order_items; ROWS in all, default 1M) from one database into a new one built from DDL files:
#   confiture migrate schema-to-schema (batches of 50k, foreign keys set aside and validated,
#   sequences moved, every table verified by checksum), a plain INSERT ... SELECT over
#   postgres_fdw into the same schema (what a DBA writes by hand: no verification), and
#   pg_dump --data-only | psql of the same tables, and the Python confiture 1.29.0 from PyPI
#   (`migrate schema-to-schema setup`, `migrate`, `verify`: its FDW strategy and row counts).
# Prints seconds and rows/s for each and the ratios, and the target backend's peak private
# memory (RssAnon) during confiture's copy; run it with 1000000 and 5000000 to see it flat.
#   scripts/bench-s2s.sh [ROWS]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROWS="${1:-1000000}"
BENCH_DIR="${CONFITURE_BENCH_DIR:-/tmp/confiture-bench-s2s}"
BENCH_PORT="${CONFITURE_BENCH_PORT:-54336}"
export PGOPTIONS='-c client_min_messages=warning'
export CONFITURE_NO_PROGRESS=1
PY_VENV="$ROOT/target/python-confiture-venv"

ensure_toolchain
if ! "$PY_VENV/bin/confiture" --help >/dev/null 2>&1; then
    say "installing the Python confiture $PY_CONFITURE_VERSION into $PY_VENV"
    python3 -m venv "$PY_VENV"
    "$PY_VENV/bin/pip" install --quiet "fraiseql-confiture==$PY_CONFITURE_VERSION"
fi
install_extension
build_cli
trap 'cluster_stop "$BENCH_DIR"; rm -rf "$PROJECT"' EXIT
cluster_stop "$BENCH_DIR"
cluster_start "$BENCH_DIR" "$BENCH_PORT"
url() { cluster_url "$BENCH_DIR" "$BENCH_PORT" "$1"; }
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
rows_in() { psql -X -tA "$(url "$1")" -c "SELECT (SELECT count(*) FROM users)+(SELECT count(*) FROM orders)+(SELECT count(*) FROM order_items)"; }

USERS=$((ROWS / 5)); ORDERS=$((ROWS * 3 / 10)); ITEMS=$((ROWS - USERS - ORDERS))
SOURCE_SCHEMA="
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, full_name text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE orders (id bigserial PRIMARY KEY, user_id int NOT NULL REFERENCES users, status text NOT NULL, total numeric(12,2) NOT NULL);
CREATE TABLE order_items (order_id bigint REFERENCES orders, line int, sku text NOT NULL, quantity int NOT NULL, PRIMARY KEY (order_id, line));
CREATE INDEX ON orders (user_id);"
TARGET_SCHEMA="$SOURCE_SCHEMA"

say "generating the source: $USERS users, $ORDERS orders, $ITEMS order items"
q "$(url postgres)" -c "CREATE DATABASE source"
q "$(url source)" -c "$SOURCE_SCHEMA"
q "$(url source)" <<SQL
INSERT INTO users (email, full_name, created_at)
  SELECT 'user' || g || '@mail.example', 'First' || g || ' Last' || g, now() - g * interval '1 minute' FROM generate_series(1, $USERS) g;
INSERT INTO orders (user_id, status, total) SELECT 1 + g % $USERS, 'paid', (g % 5000) + 0.5 FROM generate_series(1, $ORDERS) g;
INSERT INTO order_items SELECT 1 + g % $ORDERS, g / $ORDERS, 'SKU-' || (g % 20000), 1 + g % 5 FROM generate_series(0, $ITEMS - 1) g;
VACUUM ANALYZE;
SQL

PROJECT=$(mktemp -d)
mkdir -p "$PROJECT/db/schema" "$PROJECT/db/environments"
echo "$TARGET_SCHEMA" >"$PROJECT/db/schema/10_tables.sql"
printf 'name: target\ndatabase_url: %s\ninclude_dirs: [db/schema]\n' "$(url confiture_target)" >"$PROJECT/db/environments/target.yaml"

say "confiture migrate schema-to-schema"
q "$(url postgres)" -c "CREATE DATABASE confiture_target"
PEAK_FILE=$(mktemp)
(
    # The target backends' private (anonymous) memory, sampled every 50 ms (shared buffers
    # excluded): the peak while tables copy, and the peak of the whole run (foreign key
    # validation runs with work_mem raised to maintenance_work_mem by PostgreSQL itself).
    copy_peak=0; peak=0
    while sleep 0.05; do
        copying=$(psql -X -tA "$(url confiture_target)" -c "SELECT count(*) FROM confiture.s2s_tables WHERE state <> 'copied'" 2>/dev/null || echo 0)
        for pid in $(psql -X -tA "$(url postgres)" -c "SELECT pid FROM pg_stat_activity WHERE datname = 'confiture_target' AND application_name = 'confiture'" 2>/dev/null); do
            kb=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
            [ -n "$kb" ] || continue
            [ "$kb" -gt "$peak" ] && peak=$kb
            [ "${copying:-0}" -gt 0 ] && [ "$kb" -gt "$copy_peak" ] && copy_peak=$kb
        done
        echo "$copy_peak $peak" >"$PEAK_FILE.new" && mv "$PEAK_FILE.new" "$PEAK_FILE"
    done
) &
SAMPLER=$!
start=$(now)
"$CONFITURE_BIN" --project "$PROJECT" migrate schema-to-schema --from "$(url source)" --to target >/tmp/bench-s2s-confiture.out
confiture_s=$(python3 -c "print(round($(now) - $start, 2))")
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
read -r copy_peak_kb peak_kb <"$PEAK_FILE" || true; rm -f "$PEAK_FILE" "$PEAK_FILE.new"
grep "rows in" /tmp/bench-s2s-confiture.out >&2
[ "$(rows_in confiture_target)" = "$ROWS" ] || die "confiture copied $(rows_in confiture_target) rows, not $ROWS"

say "confiture migrate schema-to-schema --verify source (every table read again from the source)"
q "$(url postgres)" -c "CREATE DATABASE confiture_source_verified"
sed -i "s|/confiture_target|/confiture_source_verified|" "$PROJECT/db/environments/target.yaml"
start=$(now)
"$CONFITURE_BIN" --project "$PROJECT" migrate schema-to-schema --from "$(url source)" --to target --verify source >/tmp/bench-s2s-confiture-source.out
source_verified_s=$(python3 -c "print(round($(now) - $start, 2))")
grep "rows in" /tmp/bench-s2s-confiture-source.out >&2

say "one changed cell among $ROWS rows: found and named by s2s_verify"
q "$(url confiture_target)" -c "UPDATE order_items SET quantity = quantity + 1 WHERE order_id = 4242 AND line = 1"
start=$(now)
named=$(psql -X -tA -v ON_ERROR_STOP=1 "$(url confiture_target)" <<SQL
SELECT count(*) FROM confiture.s2s_attach('{"host": "127.0.0.1", "port": "$BENCH_PORT", "dbname": "source"}') \\gset
SELECT count(*) FROM confiture.s2s_plan('{}') \\gset
SELECT 'order_items: ' || matches || ' ' || differing FROM confiture.s2s_verify('order_items');
SELECT count(*) FROM confiture.s2s_detach() \\gset
SQL
)
verify_s=$(python3 -c "print(round($(now) - $start, 2))")
echo "$named ($verify_s s, attach and plan included)" >&2
echo "$named" | grep -q '"key": {"line": "1", "order_id": "4242"}' || die "the changed cell was not named: $named"

say "plain INSERT ... SELECT over postgres_fdw (no verification)"
q "$(url postgres)" -c "CREATE DATABASE fdw_target"
q "$(url fdw_target)" -c "$TARGET_SCHEMA"
q "$(url fdw_target)" <<SQL
CREATE EXTENSION postgres_fdw;
CREATE SERVER src FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '$BENCH_PORT', dbname 'source', fetch_size '10000');
CREATE USER MAPPING FOR CURRENT_USER SERVER src OPTIONS (user 'postgres');
CREATE SCHEMA old;
IMPORT FOREIGN SCHEMA public FROM SERVER src INTO old;
SQL
start=$(now)
q "$(url fdw_target)" <<SQL
INSERT INTO users SELECT * FROM old.users;
INSERT INTO orders SELECT * FROM old.orders;
INSERT INTO order_items SELECT * FROM old.order_items;
SELECT setval('users_id_seq', (SELECT max(id) FROM users)), setval('orders_id_seq', (SELECT max(id) FROM orders)) \gset
SQL
fdw_s=$(python3 -c "print(round($(now) - $start, 2))")
[ "$(rows_in fdw_target)" = "$ROWS" ] || die "the FDW insert copied $(rows_in fdw_target) rows"

say "pg_dump --data-only | psql"
q "$(url postgres)" -c "CREATE DATABASE dump_target"
q "$(url dump_target)" -c "$TARGET_SCHEMA"
start=$(now)
pg_dump --data-only -t users -t orders -t order_items "$(url source)" | q "$(url dump_target)" >/dev/null
dump_s=$(python3 -c "print(round($(now) - $start, 2))")
[ "$(rows_in dump_target)" = "$ROWS" ] || die "the dump copied $(rows_in dump_target) rows"

say "the Python confiture: migrate schema-to-schema setup, migrate (fdw), verify"
q "$(url postgres)" -c "CREATE DATABASE python_target"
q "$(url python_target)" -c "$TARGET_SCHEMA"
cat >"$PROJECT/python-mapping.yaml" <<'YAML'
users:
  columns: {id: id, email: email, full_name: full_name, created_at: created_at}
orders:
  columns: {id: id, user_id: user_id, status: status, total: total}
order_items:
  columns: {order_id: order_id, line: line, sku: sku, quantity: quantity}
YAML
start=$(now)
for step in setup migrate verify; do
    mapping=(); [ "$step" = setup ] || mapping=(--mapping "$PROJECT/python-mapping.yaml")
    "$PY_VENV/bin/confiture" migrate schema-to-schema "$step" --source "$(url source)" --target "$(url python_target)" "${mapping[@]}" >/dev/null
done
python_s=$(python3 -c "print(round($(now) - $start, 2))")
[ "$(rows_in python_target)" = "$ROWS" ] || die "the Python confiture copied $(rows_in python_target) rows"

python3 - "$ROWS" "$confiture_s" "$fdw_s" "$dump_s" "$copy_peak_kb" "$peak_kb" "$source_verified_s" "$python_s" <<'PY'
import sys
rows, c, f, d = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
copy_peak, peak, cs, p = int(sys.argv[5] or 0), int(sys.argv[6] or 0), float(sys.argv[7]), float(sys.argv[8])
print(f"{rows} rows, 3 tables")
print(f"{'':48} {'seconds':>8} {'rows/s':>10}")
for name, s in [("confiture schema-to-schema (--verify checksum)", c), ("confiture schema-to-schema --verify source", cs),
                ("INSERT ... SELECT over postgres_fdw", f), ("pg_dump --data-only | psql", d),
                ("Python confiture 1.29.0 (setup, migrate, verify)", p)]:
    print(f"{name:48} {s:8.2f} {rows / s:10.0f}")
print(f"confiture vs plain FDW insert: {f / c:.2f}x ({f / cs:.2f}x with --verify source)   "
      f"vs pg_dump | psql: {d / c:.2f}x ({d / cs:.2f}x)   vs the Python confiture: {p / c:.2f}x")
print(f"target backends' peak private memory (RssAnon): {copy_peak / 1024:.1f} MiB while copying, "
      f"{peak / 1024:.1f} MiB over the run (foreign key validation: work_mem = maintenance_work_mem)")
PY
