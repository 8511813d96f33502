#!/bin/bash
# postgres entrypoint (patient-risk offline base): the official image's basic contract.
#   POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE)  superuser password; required unless
#                                                   POSTGRES_HOST_AUTH_METHOD=trust
#   POSTGRES_USER (default postgres), POSTGRES_DB (default $POSTGRES_USER), and their _FILE forms
#   POSTGRES_INITDB_ARGS                            extra initdb arguments
#   POSTGRES_HOST_AUTH_METHOD                       pg_hba method for TCP clients (scram-sha-256)
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz run once, after the first initdb
# Started as root it prepares $PGDATA and re-runs itself as postgres; the server listens on all
# addresses at 5432.
set -Eeuo pipefail

PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA

say() { echo "docker-entrypoint.sh: $*"; }

# VAR or VAR_FILE (not both) into VAR.
file_env() {
  local var=$1 default=${2:-} file_var="${1}_FILE"
  if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
    say "error: both $var and $file_var are set; set only one" >&2
    exit 1
  fi
  local value=$default
  if [[ -n ${!var:-} ]]; then
    value=${!var}
  elif [[ -n ${!file_var:-} ]]; then
    value=$(<"${!file_var}")
  fi
  export "$var"="$value"
  unset "$file_var"
}

run_initdb_scripts() {
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    [[ -e $f ]] || continue
    case $f in
      *.sh)
        # shellcheck disable=SC1090 # the image user's init scripts
        if [[ -x $f ]]; then say "running $f"; "$f"; else say "sourcing $f"; . "$f"; fi
        ;;
      *.sql) say "running $f"; psql_in "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) say "running $f"; gunzip -c "$f" | psql_in "$POSTGRES_DB" ;;
      *) say "ignoring $f" ;;
    esac
  done
}

# psql_in DB ARGS...: as the superuser, over the Unix socket of the temporary server.
psql_in() {
  local db=$1
  shift
  psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER" --dbname "$db" "$@"
}

init_cluster() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  local auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [[ -z $POSTGRES_PASSWORD && $auth != trust ]]; then
    cat >&2 <<'MSG'
docker-entrypoint.sh: error: the database is uninitialized and no superuser password is set.
  Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value, or
  POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without a password (never in production).
MSG
    exit 1
  fi
  say "initializing $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
  local pwfile='' pwargs=()
  if [[ -n $POSTGRES_PASSWORD ]]; then
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    pwargs=(--pwfile="$pwfile")
  fi
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a word list by contract
  initdb --username="$POSTGRES_USER" "${pwargs[@]}" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host="$auth" $POSTGRES_INITDB_ARGS >/dev/null
  [[ -z $pwfile ]] || rm -f "$pwfile"
  printf '\n# added by docker-entrypoint.sh\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
  printf "\n# added by docker-entrypoint.sh\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

  # A server on the Unix socket only, for POSTGRES_DB and the init scripts.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [[ $POSTGRES_DB != postgres ]]; then
    local exists
    exists=$(psql_in postgres -tA -v db="$POSTGRES_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db'")
    if [[ -z $exists ]]; then
      psql_in postgres -v db="$POSTGRES_DB" <<<'CREATE DATABASE :"db"' >/dev/null
    fi
  fi
  run_initdb_scripts
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  unset POSTGRES_PASSWORD
  say "initialization done; starting the server"
}

if [[ ${1:-} == -* ]]; then
  set -- postgres "$@"
fi

if [[ ${1:-} == postgres ]]; then
  if [[ $(id -u) == 0 ]]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
    chmod 0700 "$PGDATA"
    chmod 2775 /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
  fi
  if [[ ! -s $PGDATA/PG_VERSION ]]; then
    init_cluster
  fi
fi
exec "$@"
