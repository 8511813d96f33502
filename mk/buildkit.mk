# The newest BuildKit as standalone daemons beside Docker's embedded 0.13: a second engine
# the frontend is tested on, a registry cache, and a two-node builder (docs/scale.md).
BUILDKIT_SH := $(REPO_ROOT)/tools/buildkit/buildkit.sh
BUILDKIT_VERSION ?= v0.34.2
BUILDKIT_ENV = STATE_DIR=$(STATE_DIR) LOCAL_REGISTRY=$(LOCAL_REGISTRY) BUILDKIT_VERSION=$(BUILDKIT_VERSION)
# buildx builders registered by buildkit/up.
BUILDKIT_NEXT_BUILDER := patient-risk-next
BUILDKIT_MULTI_BUILDER := patient-risk-multi
BUILDKIT_FRESH_BUILDER := patient-risk-fresh
BUILDKIT_TEST_ENV = REPO_ROOT=$(REPO_ROOT) LOCAL_REGISTRY=$(LOCAL_REGISTRY) STATE_DIR=$(STATE_DIR) \
  FRONTEND_REF=$(FRONTEND_REF) HOST_CA_BUNDLE=$(HOST_CA_BUNDLE) \
  NEXT_BUILDER=$(BUILDKIT_NEXT_BUILDER) MULTI_BUILDER=$(BUILDKIT_MULTI_BUILDER) FRESH_BUILDER=$(BUILDKIT_FRESH_BUILDER)

INTEGRATION_TESTS += test/integration/buildkit

.PHONY: buildkit/up buildkit/down buildkit/status test/integration/buildkit

buildkit/up: engine/up ## Build (once) and start standalone BuildKit $(BUILDKIT_VERSION) daemons; register buildx builders patient-risk-next and patient-risk-multi
	@$(BUILDKIT_ENV) bash $(BUILDKIT_SH) up

buildkit/down: ## Remove the patient-risk-next/-multi builders and stop the standalone BuildKit daemons
	@$(BUILDKIT_ENV) bash $(BUILDKIT_SH) down

buildkit/status: ## Show the standalone BuildKit daemons (socket, pid, version, platforms)
	@$(BUILDKIT_ENV) bash $(BUILDKIT_SH) status

# The frontend's build tests run again on the newest engine, with the frontend taken from the
# registry by digest (a remote builder cannot see Docker's image store); then the newest-engine
# checks of tests/buildkit: every app on both platforms with SBOM, provenance, secrets and
# rewrite-timestamp, the registry cache, the two-node builder.
test/integration/buildkit: engine/up bases frontend/build buildkit/up engine/test-venv ## The frontend on the newest BuildKit too: build tests, every app, registry cache, two-node builder
	@syntax=$$(docker buildx imagetools inspect $(FRONTEND_REF) --format '{{json .Manifest}}' \
	    | python3 -c 'import json, sys; print(json.load(sys.stdin)["digest"])'); \
	  cd $(REPO_ROOT)/tests/frontend && $(FRONTEND_TEST_ENV) BUILDX_BUILDER=$(BUILDKIT_NEXT_BUILDER) \
	  FRONTEND_SYNTAX=$(FRONTEND_REF)@$$syntax \
	  $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs test_build.py test_errors.py test_subrequests.py
	@cd $(REPO_ROOT)/tests/buildkit && $(BUILDKIT_TEST_ENV) $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs
