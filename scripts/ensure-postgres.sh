#!/usr/bin/env bash
# Make sure a PostgreSQL with PostGIS answers on 127.0.0.1:5432 and print a URL that works for
# the postgres user. Starts (or creates) the Debian cluster when none is running.
set -euo pipefail
port="${PGPORT:-5432}"
url="postgresql+psycopg://postgres@127.0.0.1:${port}/postgres"

if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | grep -q "^${version} main"; then
    pg_createcluster "$version" main >&2
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done
fi

if ! psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc "select 1" >/dev/null 2>&1; then
  # A fresh Debian cluster wants a password on TCP: give the postgres role one for the tests.
  su postgres -c "psql -p $port -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
  url="postgresql+psycopg://postgres:postgres@127.0.0.1:${port}/postgres"
  PGPASSWORD=postgres psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc "select 1" >/dev/null
fi
echo "$url"
