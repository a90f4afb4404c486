# Shared shell helpers for confiture's scripts. Source it; do not run it.
# Works as root (the server then runs as the postgres user) and as an ordinary user.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
PG_CONFIG="${PG_CONFIG:-/usr/bin/pg_config}"
PGRX_VERSION=0.18.0
export PATH="$HOME/.cargo/bin:$PATH"

# The shared test and benchmark inputs (pagila, gen_schema.py): CONFITURE_CORPUS if set, else
# ../shared/corpus next to this checkout, else the workplace's copy (for a clone made elsewhere).
find_corpus() {
    local candidate
    for candidate in "${CONFITURE_CORPUS:-}" "$ROOT/../shared/corpus" /work/shared/corpus; do
        if [ -n "$candidate" ] && [ -f "$candidate/gen_schema.py" ]; then
            (cd "$candidate" && pwd)
            return
        fi
    done
    return 1
}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

CONFITURE_CORPUS="$(find_corpus)" || die "the shared corpus (pagila, gen_schema.py) was not found: set CONFITURE_CORPUS to its folder"
export CONFITURE_CORPUS

# Run a command as the user that owns the server processes.
as_server_user() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Install what is missing; every step is skipped when already done, so a second run is fast.
ensure_toolchain() {
    local missing=()
    [ -x "$PG_BIN/initdb" ] || missing+=("postgresql-$PG_MAJOR")
    [ -f "/usr/include/postgresql/$PG_MAJOR/server/postgres.h" ] || missing+=("postgresql-server-dev-$PG_MAJOR")
    ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 || ls /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1 || missing+=(libclang-dev)
    # TLS in the CLI (postgres-openssl), and the openssl tool the TLS tests make certificates with.
    [ -f /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    command -v openssl >/dev/null || missing+=(openssl)
    if is_root; then command -v sudo >/dev/null || missing+=(sudo); fi
    if [ "${#missing[@]}" -gt 0 ]; then
        is_root || die "missing Debian packages: ${missing[*]} (install them with sudo apt-get install ${missing[*]})"
        say "installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if ! cargo pgrx --version 2>/dev/null | grep -q " $PGRX_VERSION"; then
        say "installing cargo-pgrx $PGRX_VERSION (about 4 minutes)"
        cargo install cargo-pgrx --version "$PGRX_VERSION" --locked --quiet
    fi
    if ! grep -qs "pg$PG_MAJOR" "$HOME/.pgrx/config.toml"; then
        say "pointing pgrx at PostgreSQL $PG_MAJOR"
        cargo pgrx init --pg$PG_MAJOR "$PG_CONFIG" >/dev/null
    fi
}

# cargo-pgrx writes into PostgreSQL's system directories: as root directly, otherwise via sudo.
pgrx_sudo_flag() { if is_root; then echo ""; else echo "--sudo"; fi; }

# Build and install the extension: debug by default (the build the test tiers share);
# `install_extension --release` for benchmarks (the build users deploy; ~5 minutes the first time).
install_extension() {
    say "building and installing the extension ${1:-}"
    mkdir -p "$ROOT/target"
    (cd "$ROOT" && cargo pgrx install ${1:-} --pg-config "$PG_CONFIG" $(pgrx_sudo_flag) >"$ROOT/target/pgrx-install.log" 2>&1) \
        || { tail -30 "$ROOT/target/pgrx-install.log" >&2; die "cargo pgrx install failed"; }
}

# Build the CLI: debug by default; `build_cli --release` for benchmarks (as `cargo install --path bin`).
build_cli() {
    say "building the CLI ${1:-}"
    (cd "$ROOT" && cargo build --quiet ${1:-} -p confiture-cli)
    if [ "${1:-}" = "--release" ]; then CONFITURE_BIN="$ROOT/target/release/confiture"; else CONFITURE_BIN="$ROOT/target/debug/confiture"; fi
}

# cluster_start DIR PORT: a throwaway cluster in DIR listening on 127.0.0.1:PORT, superuser
# "postgres", trust authentication on loopback only. Idempotent.
cluster_start() {
    local dir="$1" port="$2"
    mkdir -p "$dir"
    if is_root; then chown postgres: "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_server_user "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; die "initdb failed in $dir"; }
    fi
    tls_certificates "$dir/tls"
    # Client-certificate login for one role, so the CLI's sslcert/sslkey are tested for real.
    grep -q tls_cert_user "$dir/data/pg_hba.conf" || as_server_user sed -i \
        -e '1i hostssl all tls_cert_user 127.0.0.1/32 cert' -e '1i hostssl all tls_cert_user ::1/128 cert' \
        "$dir/data/pg_hba.conf"
    # Password (scram-sha-256) login for one role, so schema-to-schema attaches a source over
    # postgres_fdw as a non-superuser must: with a password that is really used.
    if ! grep -q scram_owner "$dir/data/pg_hba.conf"; then
        as_server_user sed -i -e '1i host all scram_owner 127.0.0.1/32 scram-sha-256' "$dir/data/pg_hba.conf"
        as_server_user "$PG_BIN/pg_ctl" -D "$dir/data" reload >/dev/null 2>&1 || true
    fi
    if ! as_server_user "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        as_server_user mkdir -p "$dir/sock"
        # Without RUST_BACKTRACE: the extension would otherwise attach a backtrace to errors.
        # A 1000-table build holds about 17,500 locks until it commits; two tests may run such
        # builds at once (docs/build.md, limits). Commit timestamps give lint the age of indexes
        # (unused_index), as docs/lint.md advises.
        as_server_user env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
            -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_locks_per_transaction=256 \
            -c track_commit_timestamp=on -c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key -c ssl_ca_file=$dir/tls/ca.crt" start >/dev/null \
            || { tail -20 "$dir/server.log" >&2; die "could not start PostgreSQL in $dir"; }
    fi
}

# tls_certificates DIR: a certificate authority, a server certificate for "localhost" only (so
# verify-full to 127.0.0.1 must fail), and a client certificate for role tls_cert_user.
# Idempotent; the server reads its key, so the server user owns it.
tls_certificates() {
    local dir="$1"
    [ -f "$dir/client.key" ] && return 0
    mkdir -p "$dir"
    (
        cd "$dir"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=confiture test CA" \
            -keyout ca.key -out ca.crt 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
        printf 'subjectAltName=DNS:localhost\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
            -extfile server.ext -out server.crt 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=tls_cert_user" -keyout client.key.tmp -out client.csr 2>/dev/null
        openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out client.crt 2>/dev/null
        chmod 600 server.key client.key.tmp
        mv client.key.tmp client.key
    ) || die "could not make the test certificates in $dir"
    if is_root; then chown -R postgres: "$dir"; fi
}

cluster_stop() {
    local dir="$1"
    if [ -f "$dir/data/postmaster.pid" ]; then
        # Never delete the data directory under a running server: it would linger as an orphan
        # holding the port until it noticed its pid file was gone.
        as_server_user "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
            || as_server_user "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 \
            || die "could not stop the PostgreSQL cluster in $dir"
    fi
    rm -rf "$dir"
}

# cluster_url DIR PORT [DATABASE]: the URL of DATABASE (default postgres) on that cluster.
cluster_url() { echo "postgresql://postgres@127.0.0.1:$2/${3:-postgres}"; }

PY_CONFITURE_VERSION=1.29.0

# ensure_python_confiture: the original Python confiture (fraiseql-confiture from PyPI) in
# $VENV (target/bench-venv), the alternative the benchmarks compare with; sets PY_VERSION.
ensure_python_confiture() {
    VENV="$ROOT/target/bench-venv"
    # Pinned: the adoption tests compare with this version's behaviour.
    if ! "$VENV/bin/pip" show fraiseql-confiture 2>/dev/null | grep -qx "Version: $PY_CONFITURE_VERSION"; then
        say "installing the Python confiture (fraiseql-confiture $PY_CONFITURE_VERSION) into $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet "fraiseql-confiture==$PY_CONFITURE_VERSION"
    fi
    PY_VERSION=$("$VENV/bin/pip" show fraiseql-confiture | awk '/^Version/ {print $2}')
}

# median: the median of the numbers on stdin, one per line, with three decimals.
median() { sort -n | awk '{a[NR]=$1} END {printf "%.3f", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# bench_cluster DIR PORT: the release builds and a fresh cluster in DIR (stopped on exit).
# Defines url DATABASE for that cluster.
bench_cluster() {
    BENCH_DIR="$1" BENCH_PORT="$2"
    install_extension --release
    build_cli --release
    trap 'cluster_stop "$BENCH_DIR"' EXIT
    cluster_stop "$BENCH_DIR"
    cluster_start "$BENCH_DIR" "$BENCH_PORT"
    url() { cluster_url "$BENCH_DIR" "$BENCH_PORT" "$1"; }
}

# bench_start DIR PORT TABLES [MIGRATIONS]: bench_cluster, and a generated project of TABLES tables
# (and MIGRATIONS migrations, default none) in $PROJECT.
bench_start() {
    bench_cluster "$1" "$2"
    PROJECT="$BENCH_DIR/project"
    python3 "$CONFITURE_CORPUS/gen_schema.py" --tables "$3" --migrations "${4:-0}" --out "$PROJECT" >/dev/null
}

# seconds COMMAND...: how long COMMAND took, its output kept in $BENCH_DIR/last.out and last.err.
# An exit code above BENCH_OK_EXIT (default 0; lint exits 1 on findings) stops the benchmark: no
# number for a failed run.
seconds() {
    local start=$(date +%s%N) code=0
    "$@" >"$BENCH_DIR/last.out" 2>"$BENCH_DIR/last.err" || code=$?
    if [ "$code" -gt "${BENCH_OK_EXIT:-0}" ]; then
        tail -c 2000 "$BENCH_DIR/last.out" "$BENCH_DIR/last.err" >&2
        echo "benchmark step failed ($code): $*" >&2; kill -TERM $$; exit 1
    fi
    echo "scale=4; ($(date +%s%N) - $start) / 1000000000" | bc
}

# copy_of_built NAME: database NAME, a fresh copy of database "built" (both tools start from the
# same catalog).
copy_of_built() {
    psql -X -q "$(url postgres)" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 TEMPLATE built"
}
