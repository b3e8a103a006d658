# Sourced by test.sh: makes sure a PostgreSQL server answers on 127.0.0.1:5432 (installing and
# starting Debian's server when there is none), creates the test database and exports
# ANCHANG_TEST_PG_URL. Without a server the PostgreSQL tests fail, loudly: they are never skipped in CI.
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
pg_cluster_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -1; }

if ! pg_ready; then
    if [ -z "$(pg_cluster_version)" ]; then
        echo "postgres: installing the PostgreSQL server"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    fi
    echo "postgres: starting cluster $(pg_cluster_version)/main"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$(pg_cluster_version)" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
fi

PG_ADMIN_URL="${ANCHANG_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
if ! psql "$PG_ADMIN_URL" -tAc "select 1" >/dev/null 2>&1; then
    # A freshly installed Debian server asks for passwords on TCP: let local test connections in.
    hba="/etc/postgresql/$(pg_cluster_version)/main/pg_hba.conf"
    echo "postgres: allowing trusted local test connections in $hba"
    $SUDO sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$(pg_cluster_version)" main reload
    sleep 1
fi
if ! psql "$PG_ADMIN_URL" -tAc "select 1 from pg_database where datname='anchang_test'" | grep -q 1; then
    psql "$PG_ADMIN_URL" -qc "create database anchang_test"
fi
export ANCHANG_TEST_PG_URL="${ANCHANG_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/anchang_test}"
