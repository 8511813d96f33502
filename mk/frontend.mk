# The BuildKit frontend: crates under frontend/, its image (Dockerfile.frontend), its tests.
# See docs/frontend.md.

# The ref every apps/<app>/Dockerfile names in its `# syntax=` line; frontend/build loads the
# working tree's native build into the local image store under it.
FRONTEND_IMAGE ?= ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0
# The multi-platform build of the working tree, in the local registry.
FRONTEND_REF ?= $(LOCAL_REGISTRY)/patient-risk/llb-frontend:dev
FRONTEND_PLATFORMS ?= linux/amd64,linux/arm64
# Builder image for Dockerfile.frontend (Debian trixie rustc 1.85 + arm64 std + cross gcc).
FRONTEND_RUST_BUILDER ?= $(LOCAL_REGISTRY)/patient-risk/bases/rust-builder:local
FRONTEND_PROGRESS ?= $(if $(CI),plain,auto)
FRONTEND_CRATES := -p gateway-client -p patient-risk-frontend -p llb -p app-spec -p deps-record
FRONTEND_LINTED := $(FRONTEND_CRATES) -p llb-graphs
FRONTEND_BUILDX := cd $(REPO_ROOT) && docker buildx build -f Dockerfile.frontend --progress=$(FRONTEND_PROGRESS) \
  --build-arg RUST_BUILDER=$(FRONTEND_RUST_BUILDER) \
  --build-arg REVISION=$$(git -C $(REPO_ROOT) describe --always --dirty 2>/dev/null || echo unknown) \
  --secret id=host_ca_bundle,src=$(HOST_CA_BUNDLE)
# The frontend image's SBOM generator (Dockerfile.frontend target sbom-scanner, docs/frontend-release.md):
# built and pushed by frontend/sbom-scanner, then named by digest in every frontend build that pushes
# (`--sbom=generator=<repo>@sha256:…`): BuildKit's default scanner image cannot be pulled here.
FRONTEND_SCANNER_REPO ?= $(LOCAL_REGISTRY)/patient-risk/llb-frontend-sbom-scanner
FRONTEND_SCANNER_RECORD ?= $(REPO_ROOT)/artifacts/frontend/sbom-scanner.metadata.json
FRONTEND_SCANNER_REF = $$(python3 -c 'import json,sys; print(sys.argv[2] + "@" + json.load(open(sys.argv[1]))["containerimage.digest"])' \
  "$(FRONTEND_SCANNER_RECORD)" "$(FRONTEND_SCANNER_REPO)")
FRONTEND_SBOM = --sbom=generator=$(FRONTEND_SCANNER_REF)
FRONTEND_TEST_ENV := REPO_ROOT=$(REPO_ROOT) LOCAL_REGISTRY=$(LOCAL_REGISTRY) FRONTEND_IMAGE=$(FRONTEND_IMAGE) \
  FRONTEND_REF=$(FRONTEND_REF) HOST_CA_BUNDLE=$(HOST_CA_BUNDLE)

UNIT_TESTS += test/unit/frontend
INTEGRATION_TESTS += test/integration/frontend

.PHONY: frontend/build frontend/sbom-scanner frontend/builder-base frontend/plan test/unit/frontend test/integration/frontend bench/frontend

frontend/builder-base: engine/up
	@$(MAKE) bases BASES=rust-builder

# Two checkouts on one machine (a CI clone and a working tree) share the engine's image store and
# the registry tag: one build at a time, so the push and the load of a run name the same build
# (concurrent loads otherwise fail with "image …:dev already exists").
FRONTEND_BUILD_LOCK = $(STATE_DIR)/run/frontend-build.lock

frontend/sbom-scanner: engine/up frontend/builder-base ## Build + push the frontend image's SBOM generator (amd64+arm64, entrypoint `sbom-scan`); digest → artifacts/frontend/sbom-scanner.metadata.json
	@mkdir -p $(dir $(FRONTEND_BUILD_LOCK)) "$(dir $(FRONTEND_SCANNER_RECORD))"
	@exec 9>$(FRONTEND_BUILD_LOCK); flock 9; \
	  $(FRONTEND_BUILDX) --target sbom-scanner --platform $(FRONTEND_PLATFORMS) -t $(FRONTEND_SCANNER_REPO):dev --push \
	    --metadata-file "$(FRONTEND_SCANNER_RECORD)" .
	@echo "frontend/sbom-scanner: $(FRONTEND_SCANNER_REF)"

frontend/build: engine/up frontend/builder-base frontend/sbom-scanner ## Build the frontend image (amd64+arm64, SBOM by frontend/sbom-scanner), push it as FRONTEND_REF (…/llb-frontend:dev), load the native one as the syntax ref FRONTEND_IMAGE
	@mkdir -p $(dir $(FRONTEND_BUILD_LOCK))
	@native=$$(docker version -f '{{.Server.Os}}/{{.Server.Arch}}'); \
	  exec 9>$(FRONTEND_BUILD_LOCK); flock 9; \
	  $(FRONTEND_BUILDX) --platform $(FRONTEND_PLATFORMS) -t $(FRONTEND_REF) $(FRONTEND_SBOM) --push . && \
	  $(FRONTEND_BUILDX) --platform "$$native" -t $(FRONTEND_IMAGE) --load .
	@docker image inspect $(FRONTEND_IMAGE) --format '$(FRONTEND_IMAGE): {{.Id}} {{.Os}}/{{.Architecture}} {{.Size}} bytes'

frontend/plan: ## Print the LLB graph of an app without a daemon (APP=<app> [TARGET=..] [PLATFORM=..] [ARGS=..])
	@test -n "$(APP)" || { echo "usage: make frontend/plan APP=<app> [TARGET=release] [PLATFORM=linux/arm64] [ARGS='--json']" >&2; exit 2; }
	@cd $(REPO_ROOT) && cargo run -q --locked -p patient-risk-frontend -- plan --app $(APP) \
	  $(if $(TARGET),--target $(TARGET)) $(if $(PLATFORM),--platform $(PLATFORM)) $(ARGS)

test/unit/frontend: ## Frontend crates: cargo test (gateway, cli, llb, spec) and clippy -D warnings (plus llb-graphs)
	@cd $(REPO_ROOT) && cargo test -q --locked $(FRONTEND_CRATES)
	@cd $(REPO_ROOT) && cargo clippy -q --locked $(FRONTEND_LINTED) --all-targets -- -D warnings

test/integration/frontend: engine/up bases frontend/build engine/test-venv ## Frontend against the real engine: builds, --call targets/outline, --check, spec and base errors
	@cd $(REPO_ROOT)/tests/frontend && $(FRONTEND_TEST_ENV) $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs

bench/frontend: engine/up bases frontend/build ## Benchmark: graph generation, frontend peak RSS, image size, cached no-op build vs the builtin frontend (prints figures)
	@cd $(REPO_ROOT) && cargo build -q --release --locked -p patient-risk-frontend
	@cd $(REPO_ROOT) && $(FRONTEND_TEST_ENV) BENCH_RUNS=$${BENCH_RUNS:-7} python3 tests/frontend/bench_frontend.py
