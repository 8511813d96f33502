#!/bin/sh
# nginx-runtime entrypoint: before starting nginx, render /etc/nginx/templates/*.template into
# /etc/nginx/conf.d (only variables set in the environment are substituted) and run the
# executable scripts in /docker-entrypoint.d, in name order. Then exec the command.
set -eu

case ${1:-} in
  nginx | nginx-debug)
    template_dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
    suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
    output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
    if [ -d "$template_dir" ]; then
      defined=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/${\1}/p' | tr '\n' ' ')
      for template in "$template_dir"/*"$suffix"; do
        [ -f "$template" ] || continue
        name=$(basename "$template" "$suffix")
        echo "docker-entrypoint.sh: rendering $template to $output_dir/$name"
        envsubst "$defined" <"$template" >"$output_dir/$name"
      done
    fi
    if [ -d /docker-entrypoint.d ]; then
      for script in /docker-entrypoint.d/*; do
        [ -f "$script" ] || continue
        if [ -x "$script" ]; then
          echo "docker-entrypoint.sh: running $script"
          "$script"
        else
          echo "docker-entrypoint.sh: ignoring $script (not executable)"
        fi
      done
    fi
    ;;
esac
exec "$@"
