# syntax=docker/dockerfile:1
# Baseline for `make bench` (docs/benchmarks.md): the patient-risk-python-api image as a good team
# would write it for the Dockerfile frontend today, in the guide's own shape: a per-platform
# wheel stage that compiles the PyO3 wheel (and its Conan C package) inside the target platform
# (under QEMU for linux/arm64 on an amd64 machine), the pure-Python wheels and the locked
# dependencies on the build platform, everything installed into site-packages on the runtime
# base. Same bases, lock files (Cargo.lock, uv.lock, conan-requirements.txt) and context (the repo
# root) as apps/patient-risk-python-api/Dockerfile.
ARG BASES=127.0.0.1:5000/patient-risk/bases
# The wheel stage runs on the target platform, so it needs rust-builder for every target
# platform; the shared offline base is linux/amd64 only: `make bench` passes the same recipe
# built for both (bench/arm64-builder-base.sh).
ARG RUST_BUILDER=${BASES}/rust-builder:local

# ---- per-platform wheel: Conan package + maturin, on the target platform
FROM ${RUST_BUILDER} AS wheel
ARG TARGETARCH
WORKDIR /src
COPY packages/patient-signal-dsp/conan-requirements.txt /pins/conan-requirements.txt
RUN --mount=type=secret,id=host_ca_bundle,target=/etc/ssl/certs/ca-certificates.crt \
    export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt && \
    python3 -m venv /opt/conan && \
    /opt/conan/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps -r /pins/conan-requirements.txt && \
    /opt/conan/bin/pip check
COPY packages/patient-signal-dsp packages/patient-signal-dsp
RUN --network=none --mount=type=cache,id=bench-conan-${TARGETARCH},target=/var/cache/conan,sharing=locked \
    set -e; case "$TARGETARCH" in amd64) arch=x86_64 ;; arm64) arch=armv8 ;; *) echo "unsupported $TARGETARCH" >&2; exit 1 ;; esac; \
    export CONAN_HOME=/var/cache/conan/home PSD_CC_ARMV8=gcc PATH=/opt/conan/bin:$PATH; \
    conan remote remove conancenter >/dev/null 2>&1 || true; \
    conan export packages/patient-signal-dsp; \
    conan install --requires=patient-signal-dsp/0.1.0 -pr:h packages/patient-signal-dsp/profiles/linux-$arch \
      -pr:b packages/patient-signal-dsp/profiles/linux-$arch --build='missing:patient-signal-dsp/0.1.0' \
      --deployer=full_deploy --deployer-folder=/deps; \
    ln -s /deps/full_deploy/host/patient-signal-dsp/0.1.0/Release/$arch /deps/patient-signal-dsp
COPY Cargo.toml Cargo.lock ./
COPY packages/patient-signal-rust-core packages/patient-signal-rust-core
COPY packages/patient-signal-python-rust packages/patient-signal-python-rust
# The workspace lists crates the wheel does not need (the frontend, the graphs): keep only the
# wheel's crate, and let cargo fetch prune the lock file to it.
RUN --mount=type=cache,id=bench-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=secret,id=host_ca_bundle,target=/etc/ssl/certs/ca-certificates.crt \
    sed -i -z 's/members = \[[^]]*\]/members = ["packages\/patient-signal-python-rust"]/' Cargo.toml && \
    CARGO_HTTP_CAINFO=/etc/ssl/certs/ca-certificates.crt cargo fetch
RUN --network=none \
    --mount=type=cache,id=bench-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,id=bench-cargo-target-${TARGETARCH},target=/src/target,sharing=locked \
    --mount=type=cache,id=bench-zig-${TARGETARCH},target=/root/.cache/ziglang \
    PATIENT_SIGNAL_DSP_DIR=/deps/patient-signal-dsp \
    maturin build --release --locked --zig --compatibility manylinux_2_28 \
      --manifest-path packages/patient-signal-python-rust/Cargo.toml --out /out && \
    auditwheel show /out/*.whl

# ---- pure-Python wheels and the locked requirements, on the build platform
FROM --platform=$BUILDPLATFORM ${BASES}/python-builder:local AS python-wheels
ENV UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1 UV_LINK_MODE=copy UV_CACHE_DIR=/var/cache/uv
COPY apps/patient-risk-python-api /src/apps/patient-risk-python-api
COPY packages/patient-signal-rust-core /src/packages/patient-signal-rust-core
COPY packages/patient-risk-python-core /src/packages/patient-risk-python-core
COPY packages/patient-signal-python-rust/pyproject.toml /src/packages/patient-signal-python-rust/pyproject.toml
WORKDIR /src/apps/patient-risk-python-api
RUN --mount=type=cache,id=bench-uv,target=/var/cache/uv \
    --mount=type=secret,id=host_ca_bundle,target=/etc/ssl/certs/ca-certificates.crt \
    export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt && \
    uv export --frozen --no-dev --no-emit-workspace --format requirements-txt --output-file /out/requirements.txt && \
    for dir in . /src/packages/patient-signal-rust-core /src/packages/patient-risk-python-core; do \
      if [ -f "$dir/pyproject.toml" ]; then uv build --wheel --out-dir /out "$dir"; fi; \
    done

# ---- site-packages for the target platform (binary wheels only, so no emulation needed)
FROM --platform=$BUILDPLATFORM ${BASES}/python-builder:local AS site-packages
ARG TARGETARCH
ENV UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1 UV_LINK_MODE=copy UV_CACHE_DIR=/var/cache/uv UV_NO_INSTALLER_METADATA=1
RUN --mount=from=python-wheels,source=/out,target=/in/python \
    --mount=from=wheel,source=/out,target=/in/native \
    --mount=type=cache,id=bench-uv,target=/var/cache/uv \
    --mount=type=secret,id=host_ca_bundle,target=/etc/ssl/certs/ca-certificates.crt \
    set -e; export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt; \
    case "$TARGETARCH" in amd64) pp=x86_64-manylinux_2_28 ;; arm64) pp=aarch64-manylinux_2_28 ;; esac; \
    uv pip install --target /out/site-packages --python-version 3.13 --python-platform $pp --no-deps \
      --compile-bytecode --only-binary :all: --require-hashes -r /in/python/requirements.txt; \
    uv pip install --target /out/site-packages --python-version 3.13 --python-platform $pp --no-deps \
      --compile-bytecode /in/python/*.whl /in/native/*.whl; \
    rm -rf /out/site-packages/bin

FROM ${BASES}/python-runtime:local AS release
COPY --from=site-packages /out/site-packages /opt/patient-risk-python-api/site-packages
ENV PYTHONPATH=/opt/patient-risk-python-api/site-packages PYTHONDONTWRITEBYTECODE=1 PATIENT_RISK_PORT=8080
LABEL org.opencontainers.image.title="patient-risk-python-api" \
      org.opencontainers.image.source="https://github.com/tirosh-chain/guide"
WORKDIR /opt/patient-risk-python-api
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python3", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=3).status != 200)"]
VOLUME /tmp
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["python3", "-m", "patient_risk_api"]
CMD ["serve"]
