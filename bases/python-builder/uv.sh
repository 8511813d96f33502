#!/bin/sh
# uv from PyPI into /opt/uv (through the host CA, only during this hook).
set -eu
. "$BASES_DIR/_shared/lib.sh"
# shellcheck disable=SC2086 # BASE_PIP_PACKAGES is a word list from the recipe
pip_venv "$1" /opt/uv $BASE_PIP_PACKAGES
ln -sf /opt/uv/bin/uv "$1/usr/local/bin/uv"
ln -sf /opt/uv/bin/uvx "$1/usr/local/bin/uvx"
run_in "$1" uv --version
