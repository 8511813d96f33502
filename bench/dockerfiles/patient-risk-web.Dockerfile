# syntax=docker/dockerfile:1
# Baseline for `make bench` (docs/benchmarks.md): the patient-risk-web image as a good team would
# write it for the Dockerfile frontend today: npm ci keyed by the workspace manifests and the
# lock file, the Vite bundle built once on the build platform ($BUILDPLATFORM: a bundle has no
# architecture), copied onto nginx-runtime of each target platform. Same bases, lock file and
# context (the repo root) as apps/patient-risk-web/Dockerfile.
ARG BASES=127.0.0.1:5000/patient-risk/bases

FROM --platform=$BUILDPLATFORM ${BASES}/node-builder:local AS deps
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
    npm_config_cache=/var/cache/npm
WORKDIR /work
COPY package.json package-lock.json ./
COPY apps/patient-risk-web/package.json apps/patient-risk-web/
COPY packages/patient-monitor-ui-core/package.json packages/patient-monitor-ui-core/
COPY packages/patient-monitor-react-components/package.json packages/patient-monitor-react-components/
COPY tests/e2e/package.json tests/e2e/
RUN --mount=type=cache,id=bench-npm,target=/var/cache/npm \
    --mount=type=secret,id=host_ca_bundle,target=/etc/ssl/certs/ca-certificates.crt \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS web-bundle
COPY tsconfig.base.json ./
COPY packages/patient-monitor-ui-core packages/patient-monitor-ui-core
COPY packages/patient-monitor-react-components packages/patient-monitor-react-components
COPY apps/patient-risk-web apps/patient-risk-web
ARG API_BASE_PATH=/api
RUN --network=none NODE_ENV=production VITE_API_BASE=${API_BASE_PATH} npm run build --workspace patient-risk-web && \
    test -f apps/patient-risk-web/dist/index.html

FROM ${BASES}/nginx-runtime:local AS release
COPY apps/patient-risk-web/nginx/ /usr/share/patient-risk-web/
COPY --chmod=0755 apps/patient-risk-web/nginx/start.sh /usr/share/patient-risk-web/start.sh
COPY --from=web-bundle /work/apps/patient-risk-web/dist/ /usr/share/patient-risk-web/html/
ENV PATIENT_RISK_WEB_ROOT=/usr/share/patient-risk-web/html PATIENT_RISK_WEB_LISTEN=8080
LABEL org.opencontainers.image.title="patient-risk-web" \
      org.opencontainers.image.source="https://github.com/tirosh-chain/guide"
WORKDIR /usr/share/patient-risk-web
VOLUME /tmp
USER 101:101
EXPOSE 8080
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/usr/share/patient-risk-web/start.sh"]
