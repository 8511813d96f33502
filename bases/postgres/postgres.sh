#!/bin/sh
# Install PostgreSQL 17 without a default cluster, then the entrypoint and its directories.
set -eu
. "$BASES_DIR/_shared/lib.sh"
root=$1
apt_in() { run_in "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; }
apt_in postgresql-common
conf=$root/etc/postgresql-common/createcluster.conf
grep -q '^#\?[[:space:]]*create_main_cluster' "$conf" || { echo "postgres.sh: no create_main_cluster in $conf" >&2; exit 1; }
sed -i 's/^#\?[[:space:]]*create_main_cluster.*/create_main_cluster = false/' "$conf"
apt_in postgresql-17
if [ -d "$root/var/lib/postgresql/17/main" ]; then
  echo "postgres.sh: a main cluster was created despite $conf" >&2
  exit 1
fi
install -d -m 0700 -o 999 -g 999 "$root/var/lib/postgresql/data"
install -d -m 2775 -o 999 -g 999 "$root/var/run/postgresql"
install -d -m 0755 "$root/docker-entrypoint-initdb.d"
install -m 0755 "$(dirname "$0")/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
run_in "$root" /usr/lib/postgresql/17/bin/postgres --version
