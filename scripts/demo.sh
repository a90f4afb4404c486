#!/usr/bin/env bash
# Run confiture end to end on a throwaway local PostgreSQL:
#   scripts/demo.sh          install what is missing, start the cluster, build the quickstart project
#   scripts/demo.sh --stop   stop and remove the cluster
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEMO_DIR="${CONFITURE_DEMO_DIR:-/tmp/confiture-demo}"
DEMO_PORT="${CONFITURE_DEMO_PORT:-54329}"

if [ "${1:-}" = "--stop" ]; then
    cluster_stop "$DEMO_DIR"
    say "demo cluster stopped and removed"
    exit 0
fi

ensure_toolchain
install_extension
build_cli
say "starting PostgreSQL $PG_MAJOR in $DEMO_DIR on port $DEMO_PORT"
cluster_start "$DEMO_DIR" "$DEMO_PORT"

export DATABASE_URL="$(cluster_url "$DEMO_DIR" "$DEMO_PORT" quickstart)"
PROJECT="$ROOT/examples/quickstart"
say "confiture build --fresh (project examples/quickstart, database quickstart)"
"$CONFITURE_BIN" --project "$PROJECT" build --env local --fresh
say "the same again: the schema is unchanged, so the database is a template clone"
"$CONFITURE_BIN" --project "$PROJECT" build --env local --fresh
say "what the database holds now"
psql -X "$DATABASE_URL" -c '\dt shop.*' \
    -c 'SELECT build_id, left(schema_hash, 16) AS schema_hash, file_count, statement_count, built_by FROM confiture.build_history'
say "confiture migrate assess: what each pending statement will lock, rewrite and cost here (observed on a schema-only copy)"
"$CONFITURE_BIN" --project "$PROJECT" migrate status --env local || true
"$CONFITURE_BIN" --project "$PROJECT" migrate assess --env local
say "confiture migrate up: the migrations in db/migrations/ (one builds its index CONCURRENTLY, outside a transaction)"
"$CONFITURE_BIN" --project "$PROJECT" migrate up --env local
say "confiture diff: how the migrated database differs from db/schema, as the statements that would align it"
"$CONFITURE_BIN" --project "$PROJECT" diff --env local --allow-hazards all || true
say "confiture lint: the server checks its own catalog"
"$CONFITURE_BIN" --project "$PROJECT" lint --env local --fail-on never
say "a file with a mistake: the error names the file and line, and the database stays as it was"
BROKEN="$(mktemp -d)"
cp -r "$PROJECT/db" "$BROKEN/"
printf 'CREATE TABLE shop.review (\n    review_id bigint PRIMARY KEY,\n    product_id bigint REFERENCES shop.produit (product_id)\n);\n' > "$BROKEN/db/schema/10_tables/40_review.sql"
"$CONFITURE_BIN" --project "$BROKEN" build --env local --fresh || echo "(exit code $?)"
psql -X -At "$DATABASE_URL" -c "SELECT 'still there: ' || string_agg(tablename, ', ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'shop'"
rm -rf "$BROKEN"
cat <<MSG

Connect:  psql $DATABASE_URL
Stop:     scripts/demo.sh --stop
MSG
