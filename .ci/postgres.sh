# Sourced by .ci/run: starts a throw-away PostgreSQL server on loopback for the service's repository tests and exports
# COMQ_TEST_POSTGRES_URL (a JDBC URL with user and password). Installs Debian's postgresql package if needed. The
# server runs as the postgres user from a temporary folder on a free port and is stopped when the calling shell exits.
# Where it cannot be started (not root, no package), the variable stays unset and those tests skip with a message.

pg_start() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "ci: no PostgreSQL and not root: the PostgreSQL repository tests will skip" >&2
            return 0
        fi
        apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    local as=()
    if [ "$(id -u)" = 0 ]; then
        as=(runuser -u postgres --)
    fi
    PG_DIR=$(mktemp -d /tmp/comq-ci-pg.XXXXXX)
    chmod 755 "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    local port
    for port in $(seq 25432 25532); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    done
    "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off" start >/dev/null
    PG_CTL=("${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data")
    trap pg_stop EXIT
    "${as[@]}" "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE USER comq WITH PASSWORD 'comq'" -c "CREATE DATABASE comq OWNER comq" >/dev/null
    export COMQ_TEST_POSTGRES_URL="jdbc:postgresql://127.0.0.1:$port/comq?user=comq&password=comq"
    echo "=== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port for the repository tests"
}

pg_stop() {
    if [ -n "${PG_DIR:-}" ]; then
        "${PG_CTL[@]}" -m fast stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}
