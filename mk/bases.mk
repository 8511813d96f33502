# Offline base images: Debian trixie root filesystems made by mmdebstrap from bases/<name>/,
# pushed to $(LOCAL_REGISTRY) as multi-platform OCI indexes. See docs/engine.md.
BASES_PY := $(REPO_ROOT)/tools/engine/bases.py
BASES_ENV := STATE_DIR=$(STATE_DIR) LOCAL_REGISTRY=$(LOCAL_REGISTRY)
# Registry prefix of the local bases, and the build args that select them in the graphs.
BASES_REGISTRY := $(LOCAL_REGISTRY)/patient-risk/bases
BASE_IMAGES_LOCAL_ARGS := --build-arg BASE_IMAGES=local --build-arg BASE_IMAGES_REGISTRY=$(BASES_REGISTRY)
# `make bases BASES="python-runtime redis"` limits the run to those bases.
BASES ?=

.PHONY: bases bases/list bases/refs bases/check bases/pin-configs

bases: engine/up ## Build the offline base images whose recipe changed and push them to the local registry (brings the engine up first)
	@$(BASES_ENV) python3 $(BASES_PY) build $(BASES)

bases/list: ## List the logical bases, their platforms and the upstream image each stands in for
	@$(BASES_ENV) python3 $(BASES_PY) list

bases/refs: ## Show the local ref and digest of every base (fails when one is not built)
	@$(BASES_ENV) python3 $(BASES_PY) refs

bases/check: ## Validate bases/catalog.toml and every recipe, print the recipe hashes
	@$(BASES_ENV) python3 $(BASES_PY) check

bases/pin-configs: ## After a deliberate base change and `make bases`: copy the pushed base configs over the config-pin test fixtures
	@$(BASES_ENV) python3 $(BASES_PY) pin-configs
