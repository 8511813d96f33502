# Offline base images: Debian trixie root filesystems made by mmdebstrap from bases/<name>/,
# pushed to $(LOCAL_REGISTRY) as multi-platform OCI indexes. See docs/engine.md.
BASES_PY := $(REPO_ROOT)/tools/engine/bases.py
BASES_ENV := STATE_DIR=$(STATE_DIR) LOCAL_REGISTRY=$(LOCAL_REGISTRY)
# Registry prefix of the local bases, and the build args that select them in the graphs.
BASES_REGISTRY := $(LOCAL_REGISTRY)/patient-risk/bases
BASE_IMAGES_LOCAL_ARGS := --build-arg BASE_IMAGES=local --build-arg BASE_IMAGES_REGISTRY=$(BASES_REGISTRY)
# `make bases BASES="python-runtime redis"` limits the run to those bases.
BASES ?=

.PHONY: bases bases/list bases/refs bases/check bases/pin-configs bases/frontend-cli

# bases.py reads bases/catalog.toml through the frontend binary (`patient-risk-frontend catalog
# --json`, the validator the graphs use). cargo rebuilds it only when a source or the catalog
# changed, so `make bases` with nothing to do stays a no-op (~1 s more).
bases/frontend-cli: ## Build the frontend binary (debug) whose `catalog --json` bases.py reads (a cargo no-op when nothing changed)
	@cd $(REPO_ROOT) && cargo build -q --locked -p patient-risk-frontend

bases: engine/up bases/frontend-cli ## Build the offline base images whose recipe changed and push them to the local registry (brings the engine up first)
	@$(BASES_ENV) python3 $(BASES_PY) build $(BASES)

bases/list: bases/frontend-cli ## List the logical bases, their platforms and the upstream image each stands in for
	@$(BASES_ENV) python3 $(BASES_PY) list

bases/refs: bases/frontend-cli ## Show the local ref and digest of every base (fails when one is not built)
	@$(BASES_ENV) python3 $(BASES_PY) refs

bases/check: bases/frontend-cli ## Validate bases/catalog.toml and every recipe, print the recipe hashes
	@$(BASES_ENV) python3 $(BASES_PY) check

bases/pin-configs: bases/frontend-cli ## After a deliberate base change and `make bases`: copy the pushed base configs over the config-pin test fixtures
	@$(BASES_ENV) python3 $(BASES_PY) pin-configs
