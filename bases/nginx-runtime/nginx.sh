#!/bin/sh
# Unprivileged nginx layout (uid 101, port 8080, runtime files under /tmp).
set -eu
. "$BASES_DIR/_shared/lib.sh"
root=$1
here=$(dirname "$0")
add_user "$root" nginx 101 /nonexistent
rm -f "$root/etc/nginx/sites-enabled/default"
install -m 0644 "$here/nginx.conf" "$root/etc/nginx/nginx.conf"
install -d -m 0755 -o 101 -g 101 "$root/etc/nginx/conf.d" "$root/etc/nginx/templates" \
  "$root/docker-entrypoint.d" "$root/usr/share/nginx/html"
install -m 0644 -o 101 -g 101 "$here/default.conf" "$root/etc/nginx/conf.d/default.conf"
[ -f "$root/usr/share/nginx/html/index.html" ] || echo '<!doctype html><title>nginx</title><p>nginx-runtime' \
  >"$root/usr/share/nginx/html/index.html"
install -m 0755 "$here/docker-entrypoint.sh" "$root/docker-entrypoint.sh"
for dir in /var/lib/nginx /var/log/nginx /var/cache/nginx; do
  install -d -m 0755 "$root$dir"
  chown -R 101:101 "$root$dir"
done
ln -sf /dev/stdout "$root/var/log/nginx/access.log"
ln -sf /dev/stderr "$root/var/log/nginx/error.log"
run_in "$root" nginx -t -c /etc/nginx/nginx.conf
