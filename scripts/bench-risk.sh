#!/usr/bin/env bash
# Benchmark: how close `confiture migrate assess`'s time estimates come to what the statements
# really take, after confiture.calibrate() has measured this server. For each size (default 1M and
# 5M rows) a table like an application's is built; every statement below is assessed (observed on
# a schema-only copy, sized from the live table), then run on the real table in a transaction
# that is rolled back, timed in the server. Prints estimate, measured time and their ratio; the
# aim is 0.5x-2x for rewrites and validations.
#   scripts/bench-risk.sh [ROWS...]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZES=("${@:-1000000 5000000}")
read -r -a SIZES <<<"${SIZES[*]}"
BENCH_DIR="${CONFITURE_BENCH_DIR:-/tmp/confiture-bench-risk}"
BENCH_PORT="${CONFITURE_BENCH_PORT:-54338}"
export PGOPTIONS='-c client_min_messages=warning'

ensure_toolchain
install_extension
build_cli
PROJECT=$(mktemp -d)
trap 'cluster_stop "$BENCH_DIR"; rm -rf "$PROJECT"' EXIT
cluster_stop "$BENCH_DIR"
cluster_start "$BENCH_DIR" "$BENCH_PORT"
url() { cluster_url "$BENCH_DIR" "$BENCH_PORT" "$1"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$(url risk)" "$@"; }

# name|statement: the statements whose duration an estimate must get right. A "prepare" part
# before ' ;; ' runs first, in the same transaction, and is not timed.
STATEMENTS=(
  "rewrite: type change|ALTER TABLE big ALTER COLUMN qty TYPE bigint"
  "rewrite: volatile default|ALTER TABLE big ADD COLUMN r double precision DEFAULT random()"
  "validation: CHECK|ALTER TABLE big ADD CONSTRAINT qty_positive CHECK (qty >= 0)"
  "validation: SET NOT NULL|ALTER TABLE big ALTER COLUMN qty SET NOT NULL"
  "validation: FOREIGN KEY|ALTER TABLE big ADD CONSTRAINT big_parent_fk FOREIGN KEY (parent_id) REFERENCES parent"
  "validation: VALIDATE FK|ALTER TABLE big ADD CONSTRAINT big_parent_nv FOREIGN KEY (parent_id) REFERENCES parent NOT VALID ;; ALTER TABLE big VALIDATE CONSTRAINT big_parent_nv"
  "index build|CREATE INDEX big_label ON big (label)"
)

psql -X -q "$(url postgres)" -c "CREATE DATABASE risk"
q -c "CREATE EXTENSION confiture" -c "
CREATE FUNCTION timed(statement text) RETURNS double precision LANGUAGE plpgsql AS \$\$
DECLARE started timestamptz := clock_timestamp();
BEGIN EXECUTE statement; RETURN extract(epoch FROM clock_timestamp() - started); END \$\$;"
say "calibrating (confiture.calibrate(), 500000 rows)"
q -F ' ' -c "SELECT 'rewrite', round(rewrite_bytes_per_second / 1e6), 'MB/s; scan', round(scan_bytes_per_second / 1e6),
                    'MB/s; index', round(index_bytes_per_second / 1e6), 'MB/s; foreign key', round(foreign_key_bytes_per_second / 1e6), 'MB/s'
               FROM confiture.calibrate()"

mkdir -p "$PROJECT/db/migrations" "$PROJECT/db/environments"
printf 'name: local\ndatabase_url: %s\n' "$(url risk)" >"$PROJECT/db/environments/local.yaml"
for s in "${STATEMENTS[@]}"; do
    statement="${s#*|}"
    echo "${statement// ;; /;
};" >>"$PROJECT/db/migrations/001_bench.up.sql"
done

printf '\n%-28s %10s %12s %12s %8s\n' "statement" "rows" "estimated s" "measured s" "ratio"
for rows in "${SIZES[@]}"; do
    q -c "DROP TABLE IF EXISTS big, parent" -c "
CREATE TABLE parent (id int PRIMARY KEY);
INSERT INTO parent SELECT generate_series(1, 1000);
CREATE TABLE big (id bigint PRIMARY KEY, parent_id int NOT NULL, qty int, price numeric(10,2), label text,
                  created timestamptz NOT NULL);
INSERT INTO big SELECT i, 1 + i % 1000, i % 1000, (i % 1000) / 10.0, 'label ' || i,
                       '2026-01-01'::timestamptz + i * interval '1 second' FROM generate_series(1, $rows) AS i;" \
      -c "VACUUM ANALYZE parent, big" -c "CHECKPOINT"
    "$CONFITURE_BIN" --project "$PROJECT" --format json migrate assess >"$BENCH_DIR/assess.json"
    for s in "${STATEMENTS[@]}"; do
        name="${s%%|*}"; statement="${s#*|}"; prepare=""
        if [[ "$statement" == *" ;; "* ]]; then prepare="${statement%% ;; *};"; statement="${statement#* ;; }"; fi
        estimated=$(python3 -c "
import json, sys
rows = json.load(open('$BENCH_DIR/assess.json'))['statements']
print(next(r['est_seconds'] for r in rows if r['statement'] == sys.argv[1]))" "$statement")
        measured=$(q -c "BEGIN" -c "$prepare" -c "SELECT round(timed(\$q\$$statement\$q\$)::numeric, 3)" -c "ROLLBACK" | tail -1)
        ratio=$(echo "scale=2; $estimated / $measured" | bc)
        printf '%-28s %10s %12s %12s %7sx\n' "$name" "$rows" "$estimated" "$measured" "$ratio"
    done
done
