# Claims of the docs proven on every `make test` (issue 16): BuildKit's own loader accepts our LLB
# (docs/llb-builder.md), the operator's go.sum needs no checksum database (docs/operator.md), and
# the make targets a README command names set up what they need (tests/make).
# Go downloads and builds are cached under STATE_DIR, so a warm run only re-links and re-checks.
CLAIMS_STATE := $(STATE_DIR)/claims
LLB_LOAD_CHECK_DIR := $(REPO_ROOT)/tools/llb-load-check
LLB_LOAD_CHECK_STATE := $(STATE_DIR)/llb-load-check
LLB_LOAD_CHECK_BIN := $(LLB_LOAD_CHECK_STATE)/bin/llb-load-check
# BuildKit's Go module (github.com/moby/buildkit v0.13.2, the engine's version) is pinned by
# tools/llb-load-check/go.mod + go.sum; its own module and build caches, never the checkout.
LLB_LOAD_CHECK_GO_ENV := GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0 \
  GOMODCACHE=$(LLB_LOAD_CHECK_STATE)/gomodcache GOCACHE=$(LLB_LOAD_CHECK_STATE)/gocache

UNIT_TESTS += test/unit/claims

.PHONY: test/unit/claims test/unit/llb-load test/unit/gosumdb test/unit/make-targets

test/unit/claims: test/unit/llb-load test/unit/gosumdb test/unit/make-targets ## Doc claims as tests: llbsolver.Load accepts every graph, go.sum needs no GOSUMDB, README targets set up what they need

test/unit/llb-load: ## BuildKit v0.13.2's llbsolver.Load (caps validated) loads every app target's marshalled LLB on both platforms
	@mkdir -p $(LLB_LOAD_CHECK_STATE)/bin
	@cd $(LLB_LOAD_CHECK_DIR) && $(LLB_LOAD_CHECK_GO_ENV) go build -o $(LLB_LOAD_CHECK_BIN) .
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	  cd $(REPO_ROOT) && cargo run -q --locked -p patient-risk-frontend --example llb_definitions -- "$$out" $(REPO_ROOT) && \
	  $(LLB_LOAD_CHECK_BIN) "$$out" | tail -n 1

test/unit/gosumdb: ## docs/operator.md: the operator's go mod download needs no checksum-database lookup (dead GOSUMDB, fresh cache)
	@$(REPO_ROOT)/tools/claims/check-gosumdb.sh $(REPO_ROOT)/apps/risk-monitor-operator $(CLAIMS_STATE)

test/unit/make-targets: engine/test-venv ## Every make target a README command names depends on what it needs (make's database, no build); CI refuses no-op switches
	@cd $(REPO_ROOT)/tests/make && REPO_ROOT=$(REPO_ROOT) $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs
