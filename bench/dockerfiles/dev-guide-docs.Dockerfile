# syntax=docker/dockerfile:1
# Baseline for `make bench` (docs/benchmarks.md): the dev-guide-docs image as a good team would
# write it for the Dockerfile frontend today. Same bases, lock file and context (the repo root)
# as apps/dev-guide-docs/Dockerfile; build from the repo root:
#   docker buildx build -f bench/dockerfiles/dev-guide-docs.Dockerfile \
#     --secret id=host_ca_bundle,src=/etc/ssl/certs/ca-certificates.crt --platform linux/amd64,linux/arm64 .
ARG BASES=127.0.0.1:5000/patient-risk/bases

# MkDocs toolchain, hash-pinned, on the build platform (the sites have no architecture).
FROM --platform=$BUILDPLATFORM ${BASES}/python-builder:local AS mkdocs
ENV UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1 UV_LINK_MODE=copy UV_CACHE_DIR=/var/cache/uv
COPY apps/dev-guide-docs/requirements.txt /src/apps/dev-guide-docs/requirements.txt
RUN --mount=type=cache,id=bench-uv,target=/var/cache/uv \
    --mount=type=secret,id=host_ca_bundle,target=/etc/ssl/certs/ca-certificates.crt \
    export SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt && \
    uv venv /opt/mkdocs && \
    uv pip install --python /opt/mkdocs/bin/python --require-hashes --only-binary :all: \
      -r /src/apps/dev-guide-docs/requirements.txt

FROM mkdocs AS docs-site
WORKDIR /src
COPY docs docs
COPY apps/dev-guide-docs apps/dev-guide-docs
RUN --network=none mkdir -p /out && cp -a apps/dev-guide-docs/portal/. /out/ && \
    /opt/mkdocs/bin/mkdocs build --config-file apps/dev-guide-docs/mkdocs.yml --site-dir /out/guide && \
    /opt/mkdocs/bin/mkdocs build --config-file apps/dev-guide-docs/handoff/mkdocs.yml --site-dir /out/handoff && \
    test -f /out/index.html

FROM ${BASES}/nginx-runtime:local AS release
COPY --chmod=0644 apps/dev-guide-docs/nginx/default.conf /etc/nginx/conf.d/default.conf
# The portal's index.html replaces the base's.
COPY --from=docs-site /out/ /usr/share/nginx/html/
LABEL org.opencontainers.image.title="dev-guide-docs" \
      org.opencontainers.image.source="https://github.com/tirosh-chain/guide"
VOLUME /tmp
USER 101:101
EXPOSE 8080
