# Engine: dockerd (containerd image store) + buildx + qemu binfmt + local registry.
# Machine-level state lives in $(STATE_DIR); see docs/engine.md.
ENGINE_SH := $(REPO_ROOT)/tools/engine/engine.sh
ENGINE_ENV := STATE_DIR=$(STATE_DIR) LOCAL_REGISTRY=$(LOCAL_REGISTRY)

.PHONY: engine/up engine/down engine/status test/integration/engine

engine/up: ## Install and start dockerd, buildx, qemu binfmt and the 127.0.0.1:5000 registry (idempotent)
	@$(ENGINE_ENV) bash $(ENGINE_SH) up

engine/down: ## Stop the dockerd and registry that engine/up started (others are left alone)
	@$(ENGINE_ENV) bash $(ENGINE_SH) down

engine/status: ## Show whether the engine, buildx, binfmt and registry are ready
	@$(ENGINE_ENV) bash $(ENGINE_SH) status

# Host CA bundle for build steps that talk to package registries (TLS-intercepting proxies):
# always a BuildKit secret, never a layer. Append $(HOST_CA_SECRET) to `docker buildx build`.
HOST_CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
HOST_CA_SECRET := --secret id=host_ca_bundle,src=$(HOST_CA_BUNDLE)

# The engine tests run pytest from a venv kept with the machine-level state (not the checkout).
ENGINE_TEST_VENV := $(STATE_DIR)/venv/engine-tests
ENGINE_TEST_PYTEST := pytest==9.2.0
ENGINE_PYTEST := cd $(REPO_ROOT)/tests/engine && $(ENGINE_ENV) HOST_CA_BUNDLE=$(HOST_CA_BUNDLE) \
  $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs

.PHONY: engine/test-venv test/unit/engine
engine/test-venv:
	@$(call venv_install,$(ENGINE_TEST_VENV),pytest,$(ENGINE_TEST_PYTEST))

UNIT_TESTS += test/unit/engine
# The integration tier needs the engine and the bases before any area's tests run: put both
# first (they are no-ops when done), whichever fragment registered its tests earlier.
INTEGRATION_TESTS := engine/up bases $(filter-out engine/up bases,$(INTEGRATION_TESTS)) test/integration/engine

test/unit/engine: engine/test-venv bases/frontend-cli ## Unit tests of the base-image builder: recipe validation, hashing, hook helpers
	@$(ENGINE_PYTEST) test_recipes.py test_base_config_pin.py

test/integration/engine: engine/up bases engine/test-venv ## Engine integration tests: dockerd, buildx, registry, arm64, bases, provenance, CA secret
	@$(ENGINE_PYTEST) test_engine.py test_bases.py test_build.py
