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
