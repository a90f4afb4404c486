#!/usr/bin/env bash
# The Python confiture's own example projects (github.com/fraiseql/confiture, examples/), built by
# our CLI unchanged: `confiture build` (the concatenation) and `build --apply` into a throwaway
# database, with what each one is expected to do. Clones the repository (network), so it is not
# part of the test command; PYTHON_CONFITURE_REPO=<a clone or git directory> uses one at hand.
#   scripts/check-python-examples.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EXAMPLES_COMMIT=afe4dca35111bceb2e463a9725a2cbead652e98a
CHECK_DIR="${CONFITURE_CHECK_DIR:-/tmp/confiture-python-examples}"
CHECK_PORT="${CONFITURE_CHECK_PORT:-54334}"
REPO="${PYTHON_CONFITURE_REPO:-$ROOT/target/python-confiture-repo}"

export PGOPTIONS='-c client_min_messages=warning'
ensure_toolchain
install_extension
build_cli
if ! git -C "$REPO" cat-file -e "$EXAMPLES_COMMIT" 2>/dev/null; then
    rm -rf "$REPO"
    git clone --quiet https://github.com/fraiseql/confiture "$REPO"
fi
rm -rf "$CHECK_DIR/examples" && mkdir -p "$CHECK_DIR"
git -C "$REPO" archive "$EXAMPLES_COMMIT" examples | tar -x -C "$CHECK_DIR"
trap 'cluster_stop "$CHECK_DIR/cluster"' EXIT
cluster_stop "$CHECK_DIR/cluster"
cluster_start "$CHECK_DIR/cluster" "$CHECK_PORT"

# example  environment  expected exit of build --apply  why
EXPECTED="
basic                          local 0 tables named before those they reference: built after them
01-basic-migration             local 0 the database: block
07-comment-validation          local 0 build.validate_comments
07-comment-validation          safe  0
02-fraiseql-integration        local 5 include dir db/schema/10_tables is made by its generator (the Python confiture stops too)
05-multi-environment-workflow  local 5 no schema files: include dir db/schema missing (the Python confiture stops too)
"
failed=0
while read -r example env expected why; do
    [ -n "$example" ] || continue
    database="ex_$(echo "${example}_$env" | tr -c 'a-z0-9\n' '_')"
    psql -X -q "$(cluster_url "$CHECK_DIR/cluster" "$CHECK_PORT")" -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database"
    code=0
    "$CONFITURE_BIN" --project "$CHECK_DIR/examples/$example" build --env "$env" --apply \
        --database-url "$(cluster_url "$CHECK_DIR/cluster" "$CHECK_PORT" "$database")" >"$CHECK_DIR/out" 2>&1 || code=$?
    verdict=ok
    if [ "$code" != "$expected" ]; then verdict=UNEXPECTED; failed=1; cat "$CHECK_DIR/out"; fi
    printf '%-32s %-6s exit %s (expected %s) %-10s %s\n' "$example" "$env" "$code" "$expected" "$verdict" "$why"
done <<<"$EXPECTED"
[ "$failed" = 0 ] || die "an example did not build as expected"
say "the Python confiture's examples build as expected"
