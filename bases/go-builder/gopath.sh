#!/bin/sh
# GOPATH layout of the upstream golang image, writable by any build user.
set -eu
install -d -m 1777 "$1/go" "$1/go/bin" "$1/go/src"
