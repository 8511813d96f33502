#!/bin/sh
# Before postgresql-common's postinst: the postgres user with the upstream image's ids (999).
set -eu
. "$BASES_DIR/_shared/lib.sh"
add_user "$1" postgres 999 /var/lib/postgresql /bin/bash
