# `make bench`: our LLB frontend against the Dockerfile frontend (builtin and as a gateway image),
# on the bench's own standalone BuildKit. See docs/benchmarks.md.
BENCH_DIR := $(REPO_ROOT)/bench
BENCH_ENV = REPO_ROOT=$(REPO_ROOT) STATE_DIR=$(STATE_DIR) LOCAL_REGISTRY=$(LOCAL_REGISTRY) \
  HOST_CA_BUNDLE=$(HOST_CA_BUNDLE) BUILDKIT_VERSION=$(BUILDKIT_VERSION)
# The gateway image of BuildKit's own Dockerfile frontend (bench/dockerfile-frontend/build.sh).
BENCH_DOCKERFILE_FRONTEND_REF ?= $(LOCAL_REGISTRY)/patient-risk/bench/dockerfile-frontend:buildkit-$(BUILDKIT_VERSION)
# rust-builder for linux/amd64 + linux/arm64 (same recipe as the shared amd64-only base): the API
# baseline compiles its wheel inside the target platform.
BENCH_RUST_BUILDER ?= $(LOCAL_REGISTRY)/patient-risk/bench-bases/rust-builder:local
# Host tools of the native floor, pinned to the versions inside the builder bases.
BENCH_FLOOR_VENV := $(STATE_DIR)/venv/bench-floor
BENCH_FLOOR_PINS := uv==0.13.9 maturin==1.16.0 ziglang==0.17.1
BENCH_LOCK := flock $(STATE_DIR)/run/bench.lock
# Only the API baseline needs the two-platform rust-builder (a long build under QEMU: skip it
# when BENCH_APPS leaves the API out).
BENCH_APPS ?=
BENCH_API_PREREQS = $(if $(if $(BENCH_APPS),$(filter patient-risk-python-api,$(BENCH_APPS)),all),bench/rust-builder dsp/tools)
BENCH_DIGEST = docker buildx imagetools inspect $(1) --format '{{json .Manifest}}' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["digest"])'

UNIT_TESTS += test/unit/bench
INTEGRATION_TESTS += test/integration/bench

.PHONY: bench bench/engine bench/engine-down bench/dockerfile-frontend bench/rust-builder bench/floor-tools \
  bench/table test/unit/bench test/integration/bench

bench/engine: engine/up ## Start the bench's own standalone BuildKit (its own state dir; cold rows prune only it)
	@mkdir -p $(STATE_DIR)/run
	@$(BENCH_ENV) bash $(BENCH_DIR)/engine.sh up

bench/engine-down: ## Stop the bench's standalone BuildKit
	@$(BENCH_ENV) bash $(BENCH_DIR)/engine.sh down

bench/dockerfile-frontend: engine/up ## Build BuildKit's Dockerfile frontend (pinned Go module) as a gateway image and push it (second baseline)
	@mkdir -p $(STATE_DIR)/run
	@env $(BENCH_ENV) BENCH_DOCKERFILE_FRONTEND_REF=$(BENCH_DOCKERFILE_FRONTEND_REF) \
	  bash $(BENCH_DIR)/dockerfile-frontend/build.sh

bench/rust-builder: engine/up bases/frontend-cli ## Build rust-builder's recipe for amd64+arm64 as bench-bases/rust-builder (the API baseline's per-platform wheel stage)
	@$(BENCH_ENV) bash $(BENCH_DIR)/arm64-builder-base.sh

bench/floor-tools: ## Install the native floor's host tools (uv, maturin, ziglang; pinned) under STATE_DIR
	@test -x $(BENCH_FLOOR_VENV)/bin/maturin && $(BENCH_FLOOR_VENV)/bin/python -m pip freeze 2>/dev/null | grep -qx 'maturin==1.16.0' \
	  || { rm -rf $(BENCH_FLOOR_VENV) && python3 -m venv $(BENCH_FLOOR_VENV) \
	       && $(BENCH_FLOOR_VENV)/bin/pip install -q --disable-pip-version-check $(BENCH_FLOOR_PINS); }

# BENCH_APPS, BENCH_RUNS, BENCH_COLD_RUNS, BENCH_VARIANTS, BENCH_ROWS, BENCH_PLATFORMS: see bench/bench.py.
bench: engine/up bases frontend/build bench/engine bench/dockerfile-frontend $(BENCH_API_PREREQS) bench/floor-tools engine/test-venv ## Benchmark ours vs the Dockerfile frontend (builtin + gateway): cold/no-op/changes/start-up/size/memory/floor, ratio table
	@ours=$$($(call BENCH_DIGEST,$(FRONTEND_REF))); dff=$$($(call BENCH_DIGEST,$(BENCH_DOCKERFILE_FRONTEND_REF))); \
	  cd $(REPO_ROOT) && $(BENCH_ENV) BENCH_FRONTEND=$(FRONTEND_REF)@$$ours \
	  BENCH_DOCKERFILE_FRONTEND=$(BENCH_DOCKERFILE_FRONTEND_REF)@$$dff BENCH_RUST_BUILDER=$(BENCH_RUST_BUILDER) \
	  BENCH_FLOOR_VENV=$(BENCH_FLOOR_VENV) BENCH_APPS="$(BENCH_APPS)" $(ENGINE_TEST_VENV)/bin/python $(BENCH_DIR)/bench.py

bench/table: ## Print the table of a bench result (RESULT=$(STATE_DIR)/bench/results/<stamp>.json)
	@test -n "$(RESULT)" || { echo "usage: make bench/table RESULT=$(STATE_DIR)/bench/results/<stamp>.json" >&2; exit 2; }
	@python3 $(BENCH_DIR)/bench.py table $(RESULT)

test/unit/bench: engine/test-venv ## Bench harness: table rendering, step counting, row/option parsing (no engine)
	@cd $(REPO_ROOT)/tests/bench && $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs test_harness.py

test/integration/bench: engine/up bench/dockerfile-frontend engine/test-venv ## Each bench Dockerfile parses and passes the Dockerfile linter (--check through the gateway image)
	@dff=$$($(call BENCH_DIGEST,$(BENCH_DOCKERFILE_FRONTEND_REF))); \
	  cd $(REPO_ROOT)/tests/bench && REPO_ROOT=$(REPO_ROOT) LOCAL_REGISTRY=$(LOCAL_REGISTRY) \
	  BENCH_DOCKERFILE_FRONTEND=$(BENCH_DOCKERFILE_FRONTEND_REF)@$$dff \
	  $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs test_dockerfiles.py
