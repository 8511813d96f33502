# Container images of the four apps, built by the LLB frontend of this working tree
# (docker-bake.hcl; graphs in llb-graphs/, docs in docs/container-graphs.md).
IMAGE_TAG ?= 0.0.0-dev
IMAGE_PLATFORMS ?= linux/amd64,linux/arm64
# Images are pushed to <IMAGE_PREFIX>/<app>:<IMAGE_TAG> (multi-platform indexes need a registry).
IMAGE_PREFIX ?= $(LOCAL_REGISTRY)/patient-risk
IMAGE_APPS := risk-monitor-operator patient-risk-python-api patient-risk-web dev-guide-docs
# The canonical frontend ref; `make frontend/build` loads the working tree's build under it.
IMAGES_FRONTEND ?= $(FRONTEND_IMAGE)
IMAGES_PROGRESS ?= $(if $(CI),plain,auto)
# BASE_IMAGES / BASE_IMAGES_REGISTRY: mk/frontend-release.mk (local bases only for a loopback destination).
IMAGES_BAKE_ENV = IMAGE_TAG=$(IMAGE_TAG) IMAGE_PREFIX=$(IMAGE_PREFIX) PLATFORMS=$(IMAGE_PLATFORMS) \
  FRONTEND_IMAGE=$(IMAGES_FRONTEND) BASE_IMAGES=$(BASE_IMAGES) BASE_IMAGES_REGISTRY=$(BASE_IMAGES_REGISTRY) \
  HOST_CA_BUNDLE=$(HOST_CA_BUNDLE) REVISION=$$(git -C $(REPO_ROOT) rev-parse HEAD 2>/dev/null || true)
IMAGES_BAKE = cd $(REPO_ROOT) && $(BASE_IMAGES_CHECK) && $(IMAGES_BAKE_ENV) docker buildx bake -f docker-bake.hcl --progress=$(IMAGES_PROGRESS) \
  --allow=fs.read=$(HOST_CA_BUNDLE)

IMAGES_TEST_ENV := REPO_ROOT=$(REPO_ROOT) LOCAL_REGISTRY=$(LOCAL_REGISTRY) IMAGE_PREFIX=$(IMAGE_PREFIX) \
  IMAGES_FRONTEND=$(IMAGES_FRONTEND) HOST_CA_BUNDLE=$(HOST_CA_BUNDLE) STATE_DIR=$(STATE_DIR)

.PHONY: container/build container/images test/unit/llb-graphs test/integration/images bench/images

container/build: engine/up bases frontend/build ## Build all app images for linux/amd64+linux/arm64 and push them to the local registry (IMAGE_TAG=…)
	@$(IMAGES_BAKE) --push

container/build/%: engine/up bases frontend/build ## Build one app's image (container/build/<app>, IMAGE_TAG=…, IMAGE_PLATFORMS=…)
	@case " $(IMAGE_APPS) " in *" $* "*) ;; *) echo "container/build/$*: unknown app; use one of: $(IMAGE_APPS)" >&2; exit 2;; esac
	@$(IMAGES_BAKE) --push $*

container/images: ## List the pushed app images and the platforms of each (IMAGE_TAG=…)
	@for app in $(IMAGE_APPS); do \
	  printf '%s:%s\n' "$(IMAGE_PREFIX)/$$app" "$(IMAGE_TAG)"; \
	  docker buildx imagetools inspect "$(IMAGE_PREFIX)/$$app:$(IMAGE_TAG)" --format '{{range .Manifest.Manifests}}{{if .Platform}}{{if ne .Platform.OS "unknown"}}  {{.Platform.OS}}/{{.Platform.Architecture}} {{.Digest}}{{"\n"}}{{end}}{{end}}{{end}}' \
	    || echo "  (not built: make container/build IMAGE_TAG=$(IMAGE_TAG))"; \
	done

UNIT_TESTS += test/unit/llb-graphs
INTEGRATION_TESTS += test/integration/images

test/unit/llb-graphs: ## Graph unit tests: golden LLB dumps per (app, target, platform), cross-compile, secrets, determinism
	@cd $(REPO_ROOT) && cargo test -q --locked -p llb-graphs

test/integration/images: engine/up bases frontend/build engine/test-venv ## Image acceptance: both platforms, aarch64 ELF, read-only non-root runs, cache isolation, no leaked secrets
	@cd $(REPO_ROOT)/tests/images && $(IMAGES_TEST_ENV) $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs

bench/images: engine/up frontend/build ## Benchmark: cold/no-op/one-line-change build times per app and the arm64/amd64 ratio (prints a table)
	@cd $(REPO_ROOT) && $(IMAGES_TEST_ENV) python3 bench/build_times.py
