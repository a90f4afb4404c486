#!/usr/bin/env bash
# Benchmark: copying a 10-table foreign-key graph (about 3.2M rows; 4 personal columns on the
# 1M-row users table) from one database into another with the same schema:
#   confiture sync (unmasked and --anonymize, 1 and 2 workers), pg_dump -Fc | pg_restore of the
#   same tables into an empty database, and the Python confiture's sync (PyPI), same data.
# Prints seconds and rows/s for each and the ratios; checks that each copy has every row and that
# the 1M masked emails, phones and national ids stayed distinct.
#   scripts/bench-sync.sh [SCALE]     (SCALE 1 = about 3.2M rows; 0.1 for a quick run)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCALE="${1:-1}"
BENCH_DIR="${CONFITURE_BENCH_DIR:-/tmp/confiture-bench-sync}"
BENCH_PORT="${CONFITURE_BENCH_PORT:-54334}"
PY_VENV="$ROOT/target/python-confiture-venv"
PY_VERSION="1.29.0"
export PGOPTIONS='-c client_min_messages=warning'
export CONFITURE_NO_PROGRESS=1
export CONFITURE_MASK_KEY="bench-key-0123456789abcdef0123456789abcdef"
export ANONYMIZATION_SECRET="$CONFITURE_MASK_KEY"

ensure_toolchain
if ! "$PY_VENV/bin/confiture" --help >/dev/null 2>&1; then
    say "installing the Python confiture $PY_VERSION into $PY_VENV"
    python3 -m venv "$PY_VENV"
    "$PY_VENV/bin/pip" install --quiet "fraiseql-confiture==$PY_VERSION"
fi
build_cli --release
trap 'cluster_stop "$BENCH_DIR"' EXIT
cluster_stop "$BENCH_DIR"
cluster_start "$BENCH_DIR" "$BENCH_PORT"
url() { cluster_url "$BENCH_DIR" "$BENCH_PORT" "$1"; }
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
n() { python3 -c "print(max(1, int($1 * $SCALE)))"; }
rows_in() { psql -X -tA "$(url "$1")" -c "SELECT (SELECT count(*) FROM countries)+(SELECT count(*) FROM categories)+(SELECT count(*) FROM products)+(SELECT count(*) FROM users)+(SELECT count(*) FROM addresses)+(SELECT count(*) FROM orders)+(SELECT count(*) FROM order_items)+(SELECT count(*) FROM payments)+(SELECT count(*) FROM reviews)+(SELECT count(*) FROM tags)"; }

SCHEMA=$(cat <<'SQL'
CREATE TABLE countries (id int PRIMARY KEY, code text NOT NULL UNIQUE, label text NOT NULL);
CREATE TABLE categories (id int PRIMARY KEY, parent_id int REFERENCES categories, label text NOT NULL);
CREATE TABLE products (id bigint PRIMARY KEY, category_id int NOT NULL REFERENCES categories, sku text NOT NULL UNIQUE,
                       title text NOT NULL, price numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, phone text UNIQUE, full_name text NOT NULL,
                    national_id text UNIQUE, country_id int REFERENCES countries, created_at timestamptz NOT NULL);
CREATE TABLE addresses (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, kind text NOT NULL,
                        city text NOT NULL, country_id int REFERENCES countries);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, status text NOT NULL,
                     total numeric(12,2) NOT NULL, placed_at timestamptz NOT NULL);
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders,
                          product_id bigint NOT NULL REFERENCES products, quantity int NOT NULL, unit_price numeric(10,2) NOT NULL);
CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders, method text NOT NULL,
                       amount numeric(12,2) NOT NULL, paid_at timestamptz NOT NULL);
CREATE TABLE reviews (id bigint PRIMARY KEY, product_id bigint NOT NULL REFERENCES products,
                      user_id bigint NOT NULL REFERENCES users, stars int NOT NULL, body text);
CREATE TABLE tags (id int PRIMARY KEY, label text NOT NULL UNIQUE);
CREATE INDEX ON addresses (user_id); CREATE INDEX ON orders (user_id); CREATE INDEX ON order_items (order_id);
CREATE INDEX ON order_items (product_id); CREATE INDEX ON payments (order_id); CREATE INDEX ON reviews (product_id);
SQL
)

say "generating the source (scale $SCALE)"
q "$(url postgres)" -c "CREATE DATABASE source" -c "CREATE DATABASE empty_schema"
q "$(url source)" -c "$SCHEMA"
q "$(url empty_schema)" -c "$SCHEMA"
USERS=$(n 1000000); ORDERS=$(n 700000); ITEMS=$(n 1000000); ADDR=$(n 300000); PROD=$(n 20000); PAY=$(n 150000); REV=$(n 30000)
q "$(url source)" <<SQL
INSERT INTO countries SELECT g, 'C' || g, 'Country ' || g FROM generate_series(1, 250) g;
INSERT INTO categories SELECT g, CASE WHEN g > 50 THEN 1 + g % 50 END, 'Category ' || g FROM generate_series(1, 1000) g;
INSERT INTO products SELECT g, 1 + g % 1000, 'SKU-' || g, 'Product ' || g, (g % 997) + 0.99, now() - g * interval '1 minute'
  FROM generate_series(1, $PROD) g;
INSERT INTO users SELECT g, 'user' || g || '@mail.example', '+1 555 ' || lpad(g::text, 7, '0'), 'First' || g || ' Last' || g,
  lpad(g::text, 3, '0') || '-' || lpad((g % 97)::text, 2, '0') || '-' || lpad(g::text, 6, '0'), 1 + g % 250, now() - g * interval '1 minute'
  FROM generate_series(1, $USERS) g;
INSERT INTO addresses SELECT g, 1 + g % $USERS, CASE WHEN g % 2 = 0 THEN 'home' ELSE 'work' END, 'City ' || (g % 5000), 1 + g % 250
  FROM generate_series(1, $ADDR) g;
INSERT INTO orders SELECT g, 1 + g % $USERS, 'paid', (g % 5000) + 0.5, now() - g * interval '1 second' FROM generate_series(1, $ORDERS) g;
INSERT INTO order_items SELECT g, 1 + g % $ORDERS, 1 + g % $PROD, 1 + g % 5, (g % 300) + 0.25 FROM generate_series(1, $ITEMS) g;
INSERT INTO payments SELECT g, 1 + g % $ORDERS, 'card', (g % 5000) + 0.5, now() - g * interval '1 second' FROM generate_series(1, $PAY) g;
INSERT INTO reviews SELECT g, 1 + g % $PROD, 1 + g % $USERS, 1 + g % 5, 'Review text ' || g FROM generate_series(1, $REV) g;
INSERT INTO tags SELECT g, 'tag' || g FROM generate_series(1, 100) g;
VACUUM ANALYZE;
SQL
TOTAL=$(rows_in source)
say "source: $TOTAL rows"

RULES="$BENCH_DIR/rules.yaml"
cat >"$RULES" <<'YAML'
users:
  - {column: email, strategy: email}
  - {column: phone, strategy: phone}
  - {column: full_name, strategy: name}
  - {column: national_id, strategy: preserve_format}
YAML
# The Python tool's phone strategy has 9,000 outputs (+1-555-1000..9999): on this unique column
# its run fails, so it hashes the phone instead.
PY_RULES="$BENCH_DIR/py-rules.yaml"
cat >"$PY_RULES" <<'YAML'
users:
  - {column: email, strategy: email}
  - {column: phone, strategy: hash}
  - {column: full_name, strategy: name}
  - {column: national_id, strategy: hash}
YAML

fresh_target() { q "$(url postgres)" -c "DROP DATABASE IF EXISTS target WITH (FORCE)" -c "CREATE DATABASE target TEMPLATE empty_schema"; }
seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null; python3 -c "import sys; print(round($(date +%s.%N) - $s, 2))"; }
declare -A TIME

run_confiture() { "$CONFITURE_BIN" sync --no-config --from "$(url source)" --to "$(url target)" "$@"; }
for case in "unmasked -j1:--allow-unmasked --jobs 1" "unmasked -j2:--allow-unmasked --jobs 2" \
            "masked -j1:--anonymize --rules $RULES --allow-unmasked --jobs 1" "masked -j2:--anonymize --rules $RULES --allow-unmasked --jobs 2"; do
    name="${case%%:*}"; args="${case#*:}"
    fresh_target
    # shellcheck disable=SC2086
    TIME["confiture $name"]=$(seconds run_confiture $args)
    [ "$(rows_in target)" = "$TOTAL" ] || die "confiture $name copied $(rows_in target) rows of $TOTAL"
    if [[ "$name" == masked* ]]; then
        distinct=$(psql -X -tA "$(url target)" -c "SELECT count(DISTINCT email) || ' ' || count(DISTINCT phone) || ' ' || count(DISTINCT national_id) || ' ' || count(*) FILTER (WHERE email LIKE 'user%@mail.example') FROM users")
        say "confiture $name: distinct masked emails, phones, national ids; unmasked emails left: $distinct"
    fi
done

say "pg_dump -Fc | pg_restore into an empty database"
restore() {
    q "$(url postgres)" -c "DROP DATABASE IF EXISTS restored WITH (FORCE)" -c "CREATE DATABASE restored"
    pg_dump -Fc "$(url source)" | pg_restore -d "$(url restored)"
}
TIME["pg_dump | pg_restore"]=$(seconds restore)
[ "$(rows_in restored)" = "$TOTAL" ] || die "pg_restore copied $(rows_in restored) rows"

say "the Python confiture $PY_VERSION"
fresh_target
# It reads user:password@host only (trust authentication ignores the password).
py_url() { echo "postgresql://postgres:postgres@127.0.0.1:$BENCH_PORT/$1"; }
TIME["python unmasked"]=$(seconds "$PY_VENV/bin/confiture" sync --from "$(py_url source)" --to "$(py_url target)")
[ "$(rows_in target)" = "$TOTAL" ] || say "python unmasked copied $(rows_in target) rows of $TOTAL"
fresh_target
TIME["python masked"]=$(seconds "$PY_VENV/bin/confiture" sync --from "$(py_url source)" --to "$(py_url target)" --anonymize --anonymization-config "$PY_RULES")
[ "$(rows_in target)" = "$TOTAL" ] || say "python masked copied $(rows_in target) rows of $TOTAL"

# The masked table alone, without its unique constraints: the Python tool cannot mask the graph
# above (its email strategy keeps 32 bits, which collide among a million unique emails, and it
# loads tables in alphabetical order with TRUNCATE ... CASCADE), so the masked comparison is made
# on the users table by itself, where it can finish.
say "the users table alone ($USERS rows, 4 masked columns)"
q "$(url postgres)" -c "CREATE DATABASE users_source" -c "CREATE DATABASE users_empty"
USERS_SCHEMA="CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone text, full_name text NOT NULL,
  national_id text, country_id int, created_at timestamptz NOT NULL)"
q "$(url users_source)" -c "$USERS_SCHEMA"
q "$(url users_empty)" -c "$USERS_SCHEMA"
pg_dump --data-only -t users "$(url source)" | q "$(url users_source)" >/dev/null
users_target() { q "$(url postgres)" -c "DROP DATABASE IF EXISTS users_target WITH (FORCE)" -c "CREATE DATABASE users_target TEMPLATE users_empty"; }
users_in() { psql -X -tA "$(url users_target)" -c "SELECT count(*) FROM users"; }
users_target
TIME["users: confiture masked"]=$(seconds "$CONFITURE_BIN" sync --no-config --from "$(url users_source)" --to "$(url users_target)" --anonymize --rules "$RULES" --allow-unmasked)
[ "$(users_in)" = "$USERS" ] || die "confiture copied $(users_in) users of $USERS"
users_target
TIME["users: confiture unmasked"]=$(seconds "$CONFITURE_BIN" sync --no-config --from "$(url users_source)" --to "$(url users_target)" --allow-unmasked)
users_target
TIME["users: python masked"]=$(seconds "$PY_VENV/bin/confiture" sync --from "$(py_url users_source)" --to "$(py_url users_target)" --anonymize --anonymization-config "$PY_RULES")
[ "$(users_in)" = "$USERS" ] || say "python masked copied $(users_in) users of $USERS"

echo
printf '%-26s %9s %12s\n' "tool" "seconds" "rows/s"
for name in "confiture unmasked -j1" "confiture unmasked -j2" "confiture masked -j1" "confiture masked -j2" \
            "pg_dump | pg_restore" "python unmasked" "python masked"; do
    printf '%-26s %9s %12s\n' "$name" "${TIME[$name]}" "$(python3 -c "print(round($TOTAL / ${TIME[$name]}))")"
done
ratio() { python3 -c "print(round(${TIME[$2]} / ${TIME[$1]}, 1))"; }
echo
echo "masked -j1 vs unmasked -j1: $(python3 -c "print(round(${TIME["confiture unmasked -j1"]} / ${TIME["confiture masked -j1"]}, 2))") of the speed"
echo "unmasked -j2 vs pg_dump | pg_restore: $(ratio "confiture unmasked -j2" "pg_dump | pg_restore")x"
echo "unmasked -j1 vs pg_dump | pg_restore: $(ratio "confiture unmasked -j1" "pg_dump | pg_restore")x"
for name in "users: confiture unmasked" "users: confiture masked" "users: python masked"; do
    printf '%-26s %9s %12s\n' "$name" "${TIME[$name]}" "$(python3 -c "print(round($USERS / ${TIME[$name]}))")"
done
echo
echo "users alone, masked: confiture vs python: $(ratio "users: confiture masked" "users: python masked")x"
echo "users alone, confiture masked vs unmasked: $(python3 -c "print(round(${TIME["users: confiture unmasked"]} / ${TIME["users: confiture masked"]}, 2))") of the speed"
echo "unmasked -j2 vs python unmasked: $(ratio "confiture unmasked -j2" "python unmasked")x"
