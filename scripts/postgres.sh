# Sourced by test.sh: starts the local PostgreSQL server when it is not running, creates the test
# database and exports ANCHANG_TEST_PG_URL. Without a server the PostgreSQL tests fail, loudly.
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_ready; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    fi
    cluster_version="$(ls /etc/postgresql | sort -V | tail -1)"
    pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
fi
PG_ADMIN_URL="${ANCHANG_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
if ! psql "$PG_ADMIN_URL" -tAc "select 1 from pg_database where datname='anchang_test'" | grep -q 1; then
    psql "$PG_ADMIN_URL" -qc "create database anchang_test"
fi
export ANCHANG_TEST_PG_URL="${ANCHANG_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/anchang_test}"
