#!/usr/bin/env bash
# Tier 5: upgrades. Sourced by scripts/test.sh with the test cluster running ($TEST_DIR,
# $TEST_PORT) and the current extension installed.
#   1. ALTER EXTENSION confiture UPDATE from 0.1.0 (installed from its own SQL file) keeps every
#      registered migration, hook, rule, waiver, setting and seed, and they still work.
#   2. The upgraded install and a fresh one have identical catalogs.
#   3. pg_upgrade --check refuses a cluster holding 0.1.0 (its regprocedure columns), and passes
#      once the extension is updated.
UPGRADE_DIR="$ROOT/tests/upgrade"
EXT_DIR="$("$PG_CONFIG" --sharedir)/extension"
OUT="$ROOT/target/upgrade"
mkdir -p "$OUT"

# The 0.1.0 install script is not shipped; the test puts it beside the current one.
install_old_version() {
    local sudo=""
    is_root || sudo="sudo"
    $sudo install -m 644 "$UPGRADE_DIR/confiture--0.1.0.sql" "$EXT_DIR/confiture--0.1.0.sql"
}

# psql_at PORT DB ARGS...: psql on 127.0.0.1:PORT, unaligned, tuples only, stop on error.
psql_at() {
    local port="$1" db="$2"
    shift 2
    PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$port/$db" "$@"
}

# with_state PORT DB: database DB at 0.1.0 with one registered thing of each kind.
with_state() {
    psql_at "$1" postgres -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2"
    psql_at "$1" "$2" -c "CREATE EXTENSION confiture VERSION '0.1.0'" -f "$UPGRADE_DIR/state.sql" >/dev/null
}

# copy_own_tables PORT DB: copies of the extension's own tables in schema own_tables, for lint
# (which skips the extension's objects themselves).
copy_own_tables() {
    psql_at "$1" "$2" >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS own_tables CASCADE;
CREATE SCHEMA own_tables;
DO $$ DECLARE t name; BEGIN
    FOR t IN SELECT relname FROM pg_class WHERE relnamespace = 'confiture'::regnamespace AND relkind = 'r' LOOP
        EXECUTE format('CREATE TABLE own_tables.%I (LIKE confiture.%I)', t, t);
    END LOOP;
END $$;
SQL
}

# reg_type_findings PORT DB: lint's reg_type_column findings on those copies.
reg_type_findings() {
    psql_at "$1" "$2" -c "SELECT count(*) FROM confiture.lint_schema() WHERE rule = 'reg_type_column' AND schema_name = 'own_tables'"
}

install_old_version

say "tier 5a: ALTER EXTENSION confiture UPDATE from 0.1.0 keeps the registered state"
with_state "$TEST_PORT" upgraded
psql_at "$TEST_PORT" upgraded -c "ALTER EXTENSION confiture UPDATE"
psql_at "$TEST_PORT" upgraded -f "$UPGRADE_DIR/check_state.sql" >"$OUT/check_state.out"
diff -u "$UPGRADE_DIR/check_state.expected" "$OUT/check_state.out" || die "tier 5a: the upgraded state differs"

say "tier 5b: a fresh install and an upgraded one have identical catalogs"
psql_at "$TEST_PORT" postgres -c "DROP DATABASE IF EXISTS fresh_install" -c "CREATE DATABASE fresh_install"
psql_at "$TEST_PORT" fresh_install -c "CREATE EXTENSION confiture"
psql_at "$TEST_PORT" fresh_install -f "$UPGRADE_DIR/catalog.sql" >"$OUT/catalog.fresh"
psql_at "$TEST_PORT" upgraded -f "$UPGRADE_DIR/catalog.sql" >"$OUT/catalog.upgraded"
[ "$(wc -l <"$OUT/catalog.fresh")" -gt 50 ] || die "tier 5b: the catalog description is too short to mean anything"
diff -u "$OUT/catalog.fresh" "$OUT/catalog.upgraded" || die "tier 5b: fresh and upgraded catalogs differ"

say "tier 5c: pg_upgrade --check with confiture installed"
OLD="$TEST_DIR-upgrade-old" NEW="$TEST_DIR-upgrade-new"
OLD_PORT=$((TEST_PORT + 1)) NEW_PORT=$((TEST_PORT + 2))
trap 'cluster_stop "$TEST_DIR"; cluster_stop "$OLD"; cluster_stop "$NEW"' EXIT
cluster_stop "$OLD"
cluster_stop "$NEW"
cluster_start "$OLD" "$OLD_PORT"
with_state "$OLD_PORT" shop
cluster_start "$NEW" "$NEW_PORT"
as_server_user "$PG_BIN/pg_ctl" -D "$NEW/data" -m fast -w stop >/dev/null

# pg_upgrade_check: run pg_upgrade --check from a directory the server user can write.
pg_upgrade_check() {
    as_server_user "$PG_BIN/pg_ctl" -D "$OLD/data" -m fast -w stop >/dev/null
    local code=0
    (cd "$NEW" && as_server_user "$PG_BIN/pg_upgrade" --check -U postgres -b "$PG_BIN" -B "$PG_BIN" \
        -d "$OLD/data" -D "$NEW/data" -p "$OLD_PORT" -P "$NEW_PORT" -s "$NEW" >"$OUT/pg_upgrade.log" 2>&1) || code=$?
    cluster_start "$OLD" "$OLD_PORT"
    return $code
}

# 0.1.0 stored functions as regprocedure: pg_upgrade must refuse it, or this check proves nothing.
if pg_upgrade_check; then die "tier 5c: pg_upgrade --check accepted regprocedure columns (0.1.0)"; fi
grep -q "reg\*" "$OUT/pg_upgrade.log" || { cat "$OUT/pg_upgrade.log" >&2; die "tier 5c: 0.1.0 failed the check for another reason"; }
# Our own reg* rule sees what pg_upgrade refuses, on copies of the extension's tables: the
# copies of 0.1.0's (linted once updated: the new library reads the new shapes), then the new ones.
copy_own_tables "$OLD_PORT" shop
psql_at "$OLD_PORT" shop -c "ALTER EXTENSION confiture UPDATE"
[ "$(reg_type_findings "$OLD_PORT" shop)" -ge 2 ] || die "tier 5c: lint missed 0.1.0's regprocedure columns"
copy_own_tables "$OLD_PORT" shop
[ "$(reg_type_findings "$OLD_PORT" shop)" -eq 0 ] || die "tier 5c: the extension's own tables have reg* columns"
psql_at "$OLD_PORT" shop -c "DROP SCHEMA own_tables CASCADE"
pg_upgrade_check || { cat "$OUT/pg_upgrade.log" >&2; die "tier 5c: pg_upgrade --check failed with the current confiture"; }
grep -q "Clusters are compatible" "$OUT/pg_upgrade.log" || die "tier 5c: pg_upgrade did not say the clusters are compatible"
cluster_stop "$OLD"
cluster_stop "$NEW"
