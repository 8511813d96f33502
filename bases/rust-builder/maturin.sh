#!/bin/sh
# maturin, ziglang and auditwheel from PyPI into /opt/maturin (host CA only during this hook);
# `zig` on PATH runs the ziglang wheel; CARGO_HOME is writable by any build user.
set -eu
. "$BASES_DIR/_shared/lib.sh"
# shellcheck disable=SC2086 # BASE_PIP_PACKAGES is a word list from the recipe
pip_venv "$1" /opt/maturin $BASE_PIP_PACKAGES
cat >"$1/usr/local/bin/zig" <<'ZIG'
#!/bin/sh
exec /opt/maturin/bin/python3 -m ziglang "$@"
ZIG
chmod 0755 "$1/usr/local/bin/zig"
install -d -m 1777 "$1/usr/local/cargo" "$1/usr/local/cargo/bin"
run_in "$1" /opt/maturin/bin/maturin --version
run_in "$1" zig version
run_in "$1" /opt/maturin/bin/auditwheel --version
