#!/usr/bin/env bash
# The Dockerfile baseline of the API compiles its PyO3 wheel inside the target platform (the
# guide's per-platform wheel stage), so it needs rust-builder for linux/arm64 too; the shared
# offline base is linux/amd64 only (bases/catalog.toml). This builds the very same recipe for
# both platforms with the project's own base builder (tools/engine/bases.py), from a copy of
# bases/ whose catalog differs in two places only: rust-builder's `platforms` and the
# repository prefix, so the result lands in <LOCAL_REGISTRY>/patient-risk/bench-bases/ and the
# shared patient-risk/bases/rust-builder stays untouched. Its own STATE_DIR keeps its lock and
# work dirs apart from `make bases`; the .deb/PyPI download cache is the shared one.
#
# usage: arm64-builder-base.sh     (idempotent: the r-<recipe-hash> tag short-circuits)
set -euo pipefail
STATE_DIR=${STATE_DIR:-/var/lib/patient-risk}
LOCAL_REGISTRY=${LOCAL_REGISTRY:-127.0.0.1:5000}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
OWN=$STATE_DIR/bench/bases
SRC=$OWN/src
rm -rf "$SRC" && mkdir -p "$SRC/tools/engine" "$OWN/state/run" "$OWN/state/log"
cp -a "$REPO/bases" "$SRC/bases"
cp -a "$REPO/tools/engine/bases.py" "$SRC/tools/engine/bases.py"
ln -sfn "$STATE_DIR/bases-cache" "$OWN/state/bases-cache"
python3 - "$SRC/bases/catalog.toml" <<'PY'
import re, sys, tomllib
path = sys.argv[1]
text = open(path).read()
text, n1 = re.subn(r'(?m)^repository_prefix\s*=\s*"[^"]*"', 'repository_prefix = "patient-risk/bench-bases"', text)
head, sep, rest = text.partition("[bases.rust-builder]")
body, nxt, tail = rest.partition("\n[")
body, n2 = re.subn(r'(?m)^platforms\s*=.*$', 'platforms = ["linux/amd64", "linux/arm64"]', body)
assert n1 == 1 and n2 == 1 and sep, f"{path}: catalog layout changed (prefix {n1}, platforms {n2}); update bench/arm64-builder-base.sh"
text = head + sep + body + nxt + tail
tomllib.loads(text)
open(path, "w").write(text)
PY
# bases.py reads the (copied) catalog through the checkout's frontend binary (`catalog --json`;
# make's bases/frontend-cli builds it).
FRONTEND=${PATIENT_RISK_FRONTEND:-${CARGO_TARGET_DIR:-$REPO/target}/debug/patient-risk-frontend}
STATE_DIR=$OWN/state LOCAL_REGISTRY=$LOCAL_REGISTRY PATIENT_RISK_FRONTEND=$FRONTEND \
  python3 "$SRC/tools/engine/bases.py" build rust-builder >&2
# The layers are in the registry now; the disk is shared.
rm -rf "$OWN/state/bases-work"
echo "$LOCAL_REGISTRY/patient-risk/bench-bases/rust-builder:local"
