#!/bin/sh
# patient-risk-web entrypoint: render nginx.conf from the template beside this
# script using the environment, check it, then exec nginx in the foreground.
#
#   start.sh           render, `nginx -t`, exec nginx (the container entrypoint)
#   start.sh check     render and `nginx -t`, then exit (0 = config is valid)
#   start.sh render    render and print the rendered file's path
#
# Environment (all optional):
#   PATIENT_RISK_API_UPSTREAM  where the API path goes: http(s)://host[:port] (http://api:8080)
#   PATIENT_RISK_API_PATH      path the SPA calls the API under (its build's VITE_API_BASE) (/api)
#   PATIENT_RISK_WEB_LISTEN    nginx `listen` value: PORT or ADDR:PORT         (8080)
#   PATIENT_RISK_WEB_ROOT      directory holding the built SPA (index.html)   (/usr/share/patient-risk-web/html)
#   PATIENT_RISK_RUNTIME_DIR   writable dir for the rendered config, pid, temp (/tmp/patient-risk-web)
#   PATIENT_RISK_DNS_RESOLVER  DNS server(s) for the upstream's name          (nameservers in /etc/resolv.conf)
#   PATIENT_RISK_CSP_CONNECT_SRC  extra origins the page may call, space separated ("")
#   PATIENT_RISK_ACCESS_LOG    "on" (stdout) or "off"                         (on)
#   PATIENT_RISK_LOG_LEVEL     nginx error_log level                          (warn)
#   PATIENT_RISK_NGINX_TEMPLATE, PATIENT_RISK_NGINX_MIME_TYPES, NGINX_BIN  (beside this script, /etc/nginx/mime.types, nginx)
set -eu

prog=patient-risk-web
die() {
    printf '%s: %s\n' "$prog" "$*" >&2
    exit 64
}

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
mode=${1:-run}
case $mode in
    run | check | render) ;;
    *) die "unknown argument '$mode'; use: start.sh [run|check|render]" ;;
esac

template=${PATIENT_RISK_NGINX_TEMPLATE:-$here/nginx.conf.template}
upstream=${PATIENT_RISK_API_UPSTREAM:-http://api:8080}
api_path=${PATIENT_RISK_API_PATH:-/api}
listen=${PATIENT_RISK_WEB_LISTEN:-8080}
web_root=${PATIENT_RISK_WEB_ROOT:-/usr/share/patient-risk-web/html}
runtime_dir=${PATIENT_RISK_RUNTIME_DIR:-/tmp/patient-risk-web}
mime_types=${PATIENT_RISK_NGINX_MIME_TYPES:-/etc/nginx/mime.types}
csp_extra=${PATIENT_RISK_CSP_CONNECT_SRC:-}
access_log_setting=${PATIENT_RISK_ACCESS_LOG:-on}
log_level=${PATIENT_RISK_LOG_LEVEL:-warn}
nginx_bin=${NGINX_BIN:-nginx}

# --- validate: each failure names the variable, the value and what is accepted
[ -r "$template" ] || die "template $template is missing or unreadable (set PATIENT_RISK_NGINX_TEMPLATE)"
[ -r "$mime_types" ] || die "$mime_types is missing (install nginx-common or set PATIENT_RISK_NGINX_MIME_TYPES)"

upstream=${upstream%/}
case $upstream in
    http://* | https://*) ;;
    *) die "PATIENT_RISK_API_UPSTREAM='$upstream': must start with http:// or https://, e.g. http://api:8080" ;;
esac
hostport=${upstream#*://}
case $hostport in
    '' | */* | *\?* | *#* | *@* | *\"* | *\'* | *\ * | *\;* | *\$* | *\\*)
        die "PATIENT_RISK_API_UPSTREAM='$upstream': expected scheme://host[:port] with no path, credentials or quotes"
        ;;
esac
case $hostport in
    \[*\]:* | \[*\]) upstream_host=${hostport%]*}] ;;
    *) upstream_host=${hostport%%:*} ;;
esac

api_path=${api_path%/}
if ! printf '%s\n' "$api_path" | grep -Eq '^(/[A-Za-z0-9_-]+)+$' || [ "$api_path" = /assets ]; then
    die "PATIENT_RISK_API_PATH='$api_path': expected a path like /api (letters, digits, _ and - between slashes, not /assets)"
fi

if ! printf '%s\n' "$listen" | grep -Eq '^(([0-9]{1,3}\.){3}[0-9]{1,3}:|\[[0-9A-Fa-f:.]+\]:)?[0-9]{1,5}$'; then
    die "PATIENT_RISK_WEB_LISTEN='$listen': expected PORT, IPv4:PORT or [IPv6]:PORT, e.g. 8080 or 127.0.0.1:8080"
fi

case $web_root in
    /*) ;;
    *) die "PATIENT_RISK_WEB_ROOT='$web_root': must be an absolute path" ;;
esac
case $web_root$runtime_dir$mime_types in
    *\"* | *\'* | *\ * | *\;* | *\$* | *\\* | *@@*) die "paths must not contain quotes, spaces, ';', '\$', '\\' or '@@'" ;;
esac
[ -d "$web_root" ] || printf '%s: warning: PATIENT_RISK_WEB_ROOT=%s does not exist; /readyz will answer 503\n' "$prog" "$web_root" >&2

case $runtime_dir in
    /*) ;;
    *) die "PATIENT_RISK_RUNTIME_DIR='$runtime_dir': must be an absolute path" ;;
esac

csp_connect_extra=""
for origin in $csp_extra; do
    if ! printf '%s\n' "$origin" | grep -Eq '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$'; then
        die "PATIENT_RISK_CSP_CONNECT_SRC: '$origin' is not an origin like https://api.example.org"
    fi
    csp_connect_extra="$csp_connect_extra $origin"
done

case $access_log_setting in
    on)
        access_log="/dev/stdout main"
        # nginx re-opens /dev/stdout by path: impossible when stdout is a socket
        # or belongs to another user. Say so instead of failing to start.
        if ! (: >>/dev/stdout) 2>/dev/null; then
            printf '%s: warning: /dev/stdout cannot be opened for writing; access log off\n' "$prog" >&2
            access_log="off"
        fi
        ;;
    off) access_log="off" ;;
    *) die "PATIENT_RISK_ACCESS_LOG='$access_log_setting': use on or off" ;;
esac

case $log_level in
    debug | info | notice | warn | error | crit | alert | emerg) ;;
    *) die "PATIENT_RISK_LOG_LEVEL='$log_level': use one of debug info notice warn error crit alert emerg" ;;
esac

# --- the resolver: only needed when the upstream is a name, not an IP literal
is_ip_literal() {
    case $1 in
        \[*\]) return 0 ;;
    esac
    printf '%s\n' "$1" | grep -Eq '^([0-9]{1,3}\.){3}[0-9]{1,3}$'
}

resolver_directive="# resolver: not needed, the upstream is an IP address"
if ! is_ip_literal "$upstream_host"; then
    servers=${PATIENT_RISK_DNS_RESOLVER:-}
    if [ -z "$servers" ] && [ -r /etc/resolv.conf ]; then
        servers=$(awk '$1 == "nameserver" { printf "%s ", $2 }' /etc/resolv.conf)
    fi
    list=""
    for s in $servers; do
        s=${s%%%*} # drop an IPv6 zone id (fe80::1%eth0)
        case $s in
            \[*\]) ;;
            *:*) s="[$s]" ;;
        esac
        if ! printf '%s\n' "$s" | grep -Eq '^(([0-9]{1,3}\.){3}[0-9]{1,3}|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$'; then
            die "DNS server '$s' (PATIENT_RISK_DNS_RESOLVER or /etc/resolv.conf) is not an IP address"
        fi
        list="$list $s"
    done
    [ -n "$list" ] || die "the API upstream '$upstream_host' is a name but no DNS server is known: set PATIENT_RISK_DNS_RESOLVER or use an IP address"
    resolver_directive="resolver$list valid=10s;"
fi

# --- render
mkdir -p "$runtime_dir" || die "cannot create PATIENT_RISK_RUNTIME_DIR=$runtime_dir"
for d in client_body proxy fastcgi uwsgi scgi; do
    mkdir -p "$runtime_dir/$d" || die "cannot create $runtime_dir/$d"
done
conf=$runtime_dir/nginx.conf

# Escape a value for the replacement side of a sed s||| command.
sed_escape() {
    printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'
}

sed \
    -e "s|@@API_UPSTREAM@@|$(sed_escape "$upstream")|g" \
    -e "s|@@API_PATH@@|$(sed_escape "$api_path")|g" \
    -e "s|@@LISTEN@@|$(sed_escape "$listen")|g" \
    -e "s|@@WEB_ROOT@@|$(sed_escape "$web_root")|g" \
    -e "s|@@RUNTIME_DIR@@|$(sed_escape "$runtime_dir")|g" \
    -e "s|@@MIME_TYPES@@|$(sed_escape "$mime_types")|g" \
    -e "s|@@RESOLVER_DIRECTIVE@@|$(sed_escape "$resolver_directive")|g" \
    -e "s|@@CSP_CONNECT_EXTRA@@|$(sed_escape "$csp_connect_extra")|g" \
    -e "s|@@ACCESS_LOG@@|$(sed_escape "$access_log")|g" \
    -e "s|@@ERROR_LOG_LEVEL@@|$(sed_escape "$log_level")|g" \
    "$template" >"$conf.tmp" || die "cannot write $conf"
if grep -n '@@[A-Z_]*@@' "$conf.tmp" >&2; then
    rm -f "$conf.tmp"
    die "$template has placeholders start.sh does not know (lines above)"
fi
mv "$conf.tmp" "$conf"

case $mode in
    render)
        printf '%s\n' "$conf"
        exit 0
        ;;
    check)
        exec "$nginx_bin" -t -q -e stderr -p "$runtime_dir/" -c "$conf"
        ;;
esac

"$nginx_bin" -t -q -e stderr -p "$runtime_dir/" -c "$conf" || die "nginx rejected $conf (see above)"
printf '%s: serving %s on %s, %s/ -> %s\n' "$prog" "$web_root" "$listen" "$api_path" "$upstream" >&2
exec "$nginx_bin" -e stderr -p "$runtime_dir/" -c "$conf"
