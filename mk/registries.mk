# Loopback package registries with real authentication (docs/private-registries.md):
# a Python index (pypiserver), an npm registry (verdaccio), a Cargo sparse registry
# (tools/registries/cargo_registry.py) and a Conan 2 server, installed and started by
# tools/registries/registries.py with their state, logs and per-machine credentials
# under $(STATE_DIR)/registries.
REGISTRIES := python3 $(REPO_ROOT)/tools/registries/registries.py
REGISTRIES_DIR := $(STATE_DIR)/registries
# One file per BuildKit secret id (0600): --secret id=<id>,src=$(REGISTRY_CREDENTIALS)/<id>.
REGISTRY_CREDENTIALS := $(REGISTRIES_DIR)/credentials
REGISTRY_PYPI_PORT ?= 5301
REGISTRY_NPM_PORT ?= 5302
REGISTRY_CARGO_PORT ?= 5303
REGISTRY_CONAN_PORT ?= 5304
REGISTRY_PYPI_URL := http://127.0.0.1:$(REGISTRY_PYPI_PORT)/simple/
REGISTRY_NPM_URL := http://127.0.0.1:$(REGISTRY_NPM_PORT)/
REGISTRY_CARGO_INDEX := sparse+http://127.0.0.1:$(REGISTRY_CARGO_PORT)/index/
REGISTRY_CONAN_URL := http://127.0.0.1:$(REGISTRY_CONAN_PORT)
REGISTRIES_ENV := STATE_DIR=$(STATE_DIR) REGISTRY_PYPI_PORT=$(REGISTRY_PYPI_PORT) REGISTRY_NPM_PORT=$(REGISTRY_NPM_PORT) \
  REGISTRY_CARGO_PORT=$(REGISTRY_CARGO_PORT) REGISTRY_CONAN_PORT=$(REGISTRY_CONAN_PORT)

# PACKAGE_SOURCE=registry: `make container/build` / `container/build/<app>` publish first and
# build every app from these registries: URLs as build args, credentials as
# `--secret id=<id>,src=$(REGISTRY_CREDENTIALS)/<id>` (docker-bake.hcl), never as build args;
# the steps that reach a loopback registry run on the host network (--allow=network.host).
PACKAGE_SOURCE ?= workspace
ifeq ($(PACKAGE_SOURCE),registry)
IMAGES_BAKE_ENV += PACKAGE_SOURCE=registry UV_INDEX_URL=$(REGISTRY_PYPI_URL) NPM_REGISTRY_URL=$(REGISTRY_NPM_URL) \
  CARGO_REGISTRY_INDEX=$(REGISTRY_CARGO_INDEX) CONAN_REMOTE_URL=$(REGISTRY_CONAN_URL) REGISTRY_CREDENTIALS=$(REGISTRY_CREDENTIALS)
IMAGES_BAKE += --allow=network.host
# Every bake (container/build and container/build/<app>) publishes first.
$(eval REGISTRIES_IMAGES_BAKE = $(value IMAGES_BAKE))
IMAGES_BAKE = $(MAKE) -C $(REPO_ROOT) registries/publish && $(REGISTRIES_IMAGES_BAKE)
else ifneq ($(PACKAGE_SOURCE),workspace)
$(error PACKAGE_SOURCE=$(PACKAGE_SOURCE): use workspace (the default: packages built from this checkout) or registry (their published versions from make registries/up))
endif

.PHONY: registries/up registries/down registries/status registries/publish test/unit/registries test/integration/registries

registries/up: ## Start the authenticated loopback registries (pypi, npm, cargo, conan); prints `NAME URL` per registry
	@$(REGISTRIES_ENV) $(REGISTRIES) up

registries/down: ## Stop the loopback registries (their storage and credentials stay under STATE_DIR/registries)
	@$(REGISTRIES_ENV) $(REGISTRIES) down

registries/status: ## Show each loopback registry's URL and whether it is up and refusing anonymous requests
	@$(REGISTRIES_ENV) $(REGISTRIES) status

registries/publish: registries/up ## Publish the repo's packages to the loopback registries (same version = must be the same source)
	@cd $(REPO_ROOT) && $(REGISTRIES_ENV) python3 tools/registries/publish.py

UNIT_TESTS += test/unit/registries
INTEGRATION_TESTS += test/integration/registries

test/unit/registries: engine/test-venv ## Registry tooling unit tests: Cargo index entries, index paths, publish-API parsing
	@cd $(REPO_ROOT)/tests/registries && $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs -m 'not integration'

test/integration/registries: engine/up bases frontend/build engine/test-venv registries/publish ## Registry mode: every app from the authenticated registries, both platforms; missing/wrong secrets; leak scan
	@cd $(REPO_ROOT)/tests/registries && $(IMAGES_TEST_ENV) $(REGISTRIES_ENV) $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs -m integration
