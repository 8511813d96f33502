# CI gates of .github/workflows/container.yml (docs/release.md): every workflow step is one of
# these targets, so each path a runner takes also runs here with the runner's inputs
# (GITHUB_EVENT_NAME, GITHUB_REF, GITHUB_SHA, GITHUB_EVENT_PATH, CI_PUBLISH, CI_VERSION).
#
#   make ci/plan                                   what this event does (mode, apps, tags)
#   make ci/validate                               Rust core → wheel → API → image per platform; pushes nothing
#   make ci/publish REGISTRY=127.0.0.1:5000/x      publish-dev or publish-release, as the event says
#   make ci/evidence                               evidence (8-1) from the handoff records

CI_TOOL := $(REPO_ROOT)/tools/ci/ci.py
CI_OUT ?= $(REPO_ROOT)/artifacts/ci
CI_EVIDENCE_DIR ?= $(CI_OUT)/evidence
CI_VENV := $(STATE_DIR)/venv/ci
CI_REQUIREMENTS := $(REPO_ROOT)/tests/ci/requirements.txt
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := $(STATE_DIR)/go-tools/actionlint-$(ACTIONLINT_VERSION)/actionlint
ACT_VERSION := v0.2.89
ACT := $(STATE_DIR)/go-tools/act-$(ACT_VERSION)/act
CI_WORKFLOWS = $(sort $(wildcard $(REPO_ROOT)/.github/workflows/*.yml $(REPO_ROOT)/.github/workflows/*.yaml))
CI_ACTIONS = $(sort $(wildcard $(REPO_ROOT)/.github/actions/*/action.yml $(REPO_ROOT)/.github/actions/*/action.yaml))
# The change → image mapping (`patient-risk-frontend affected`, mk/frontend-release.mk's
# FRONTEND_CLI); `CI_APPS="a b"` overrides it.
CI_AFFECTED ?= $(FRONTEND_CLI) affected
CI_APPS ?=
# Wheel validation step (5-2): the graph's manylinux wheels when `make package/wheel` exists,
# else the host wheel and its import tests.
CI_WHEEL_TARGET ?= $(if $(shell grep -ls '^package/wheel:' $(REPO_ROOT)/mk/*.mk),package/wheel,api/wheel)
# Credentials of private indexes: the file of `--secret id=…,src=…` lines the composite action
# .github/actions/registry-secrets writes (empty = public indexes only).
CI_SECRET_FLAGS_FILE ?=
CI_SECRET_DIR ?= $(or $(RUNNER_TEMP),$(STATE_DIR)/run)/registry-secrets
# The frontend image the publishing jobs push next to the apps (record with its digest), and
# build the apps with.
CI_FRONTEND_RECORD = $(CI_OUT)/handoff/llb-frontend.json
CI_ENV = REPO_ROOT=$(REPO_ROOT) CI_OUT=$(CI_OUT) CI_APPS="$(CI_APPS)" CI_AFFECTED="$(CI_AFFECTED)" \
  IMAGE_PLATFORMS=$(IMAGE_PLATFORMS) CI_SECRET_FLAGS_FILE=$(CI_SECRET_FLAGS_FILE) HOST_CA_BUNDLE=$(HOST_CA_BUNDLE)

UNIT_TESTS += test/unit/ci
INTEGRATION_TESTS += test/integration/ci

.PHONY: ci/tools ci/act ci/lint ci/plan ci/validate ci/rust-core ci/wheel ci/api ci/images ci/publish \
  ci/publish-dev ci/publish-release ci/evidence ci/secrets/write ci/secrets/clean ci/registry-login \
  ci/test test/unit/ci test/integration/ci

ci/tools: ## Install actionlint (Go, pinned) and check-jsonschema + pytest (venv) into STATE_DIR (idempotent)
	@test -x $(ACTIONLINT) || { mkdir -p $(dir $(ACTIONLINT)) && cd /tmp && \
	  GOTOOLCHAIN=local GOFLAGS= GOBIN=$(dir $(ACTIONLINT)) go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION); }
	@$(call venv_install,$(CI_VENV),pytest yaml check_jsonschema,,$(CI_REQUIREMENTS))

ci/act: ## Build nektos/act (pinned) into STATE_DIR (runs workflow jobs on this host)
	@test -x $(ACT) || { mkdir -p $(dir $(ACT)) && cd /tmp && \
	  GOTOOLCHAIN=local GOFLAGS= GOBIN=$(dir $(ACT)) go install github.com/nektos/act@$(ACT_VERSION); }

ci/lint: ci/tools ## actionlint and check-jsonschema (github-workflows / github-actions schemas) on every workflow and action
	@test -n "$(CI_WORKFLOWS)" || { echo "ci/lint: no workflow under .github/workflows" >&2; exit 1; }
	@cd $(REPO_ROOT) && $(ACTIONLINT) -shellcheck= -pyflakes= $(CI_WORKFLOWS)
	@$(CI_VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows $(CI_WORKFLOWS)
	@$(if $(CI_ACTIONS),$(CI_VENV)/bin/check-jsonschema --builtin-schema vendor.github-actions $(CI_ACTIONS))

ci/plan: ## What this CI event does: mode (validate/dev/release), apps, tags (from GITHUB_* and CI_PUBLISH/CI_VERSION)
	@$(CI_ENV) python3 $(CI_TOOL) plan

ci/rust-core: ## 5-2 step 1: Rust core tests (the signal core crate the wheel wraps)
	@cd $(REPO_ROOT) && cargo test -q --locked -p patient-signal-rust-core

ci/wheel: ## 5-2 step 2: Rust Python wheel validation (CI_WHEEL_TARGET: package/wheel, else api/wheel + import tests)
	@$(MAKE) $(CI_WHEEL_TARGET)
	@$(if $(filter api/wheel,$(CI_WHEEL_TARGET)),$(MAKE) api/venv && $(API_PYTEST) $(API_BINDING)/tests)

ci/api: api/venv ## 5-2 step 3: API validation (risk core + API tests on the memory backend)
	@$(API_PYTEST) $(API_CORE)/tests
	@cd $(API_APP) && $(API_PYTEST) -m "not integration" tests

ci/images: engine/up bases frontend/build ## 5-2 step 4: build the affected images, one platform at a time, push nothing; a failure names its stage
	@$(CI_ENV) python3 $(CI_TOOL) images

# The bake command of the images tier, with plain progress (its failing step names the stage).
ci/images: export CI_BAKE = $(subst --progress=$(IMAGES_PROGRESS),--progress=plain,$(IMAGES_BAKE))

ci/validate: ## PR gate (every event): Rust core tests → wheel → API → affected images per platform; pushes nothing
	@apps=$$($(CI_ENV) python3 $(CI_TOOL) plan --field apps); echo "ci/validate: affected apps: $${apps:-none}"; \
	  case " $$apps " in *" patient-risk-python-api "*) $(MAKE) ci/rust-core && $(MAKE) ci/wheel && $(MAKE) ci/api;; esac; \
	  if [ -n "$$apps" ]; then $(MAKE) ci/images CI_APPS="$$apps"; fi

ci/publish: ## Publish what the event asks for: dev (main push / dispatch dev) or release (v* tag / dispatch release); nothing for a PR
	@mode=$$($(CI_ENV) python3 $(CI_TOOL) plan --field mode); echo "ci/publish: mode $$mode"; \
	  case $$mode in dev) $(MAKE) ci/publish-dev;; release) $(MAKE) ci/publish-release;; \
	    *) echo "ci/publish: a $$mode run publishes nothing" ;; esac

ci/publish-dev: ## main push: frontend/push, then the apps built from its digest with dev, dev-<n>-g<sha>, sha-<sha>; handoff + evidence
	@$(CI_ENV) python3 $(CI_TOOL) plan --expect dev >/dev/null
	@$(MAKE) ci/_publish CI_PUBLISH_IMAGE_TAG=

ci/publish-release: ## v* tag / dispatch release (behind the container-release environment): vX.Y.Z + latest, handoff + evidence
	@$(CI_ENV) python3 $(CI_TOOL) plan --expect release >/dev/null
	@$(MAKE) ci/_publish CI_PUBLISH_IMAGE_TAG=$$($(CI_ENV) python3 $(CI_TOOL) plan --field version)

# The publish itself: the frontend first, then the apps with BUILDKIT_SYNTAX=<repo>@<its digest>.
ci/_publish:
	@apps=$$($(CI_ENV) python3 $(CI_TOOL) plan --field apps); \
	  if [ -z "$$apps" ]; then echo "ci/publish: no app affected; nothing to publish"; exit 0; fi; \
	  rm -rf $(CI_OUT)/handoff $(CI_EVIDENCE_DIR); \
	  $(MAKE) frontend/push REGISTRY=$(REGISTRY) FRONTEND_RELEASE_RECORD=$(CI_FRONTEND_RECORD) \
	    $(if $(CI_PUBLISH_IMAGE_TAG),IMAGE_TAG=$(CI_PUBLISH_IMAGE_TAG)); \
	  frontend=$$($(MAKE) -s frontend/ref FRONTEND_RELEASE_RECORD=$(CI_FRONTEND_RECORD)); \
	  case "$$frontend" in "$(REGISTRY)/llb-frontend@sha256:"*) ;; \
	    *) echo "ci/publish: frontend/push recorded $$frontend, not a digest of $(REGISTRY)/llb-frontend" >&2; exit 1;; esac; \
	  echo "ci/publish: apps $$apps built with BUILDKIT_SYNTAX=$$frontend"; \
	  $(MAKE) container/push REGISTRY=$(REGISTRY) RELEASE_APPS="$$apps" IMAGES_FRONTEND=$$frontend \
	    RELEASE_OUT=$(CI_OUT)/handoff $(if $(CI_PUBLISH_IMAGE_TAG),IMAGE_TAG=$(CI_PUBLISH_IMAGE_TAG)) \
	    RELEASE_BAKE_FLAGS="$$($(CI_ENV) python3 $(CI_TOOL) secret-bake-flags)"; \
	  $(MAKE) ci/evidence

ci/evidence: ## Evidence per image (tags, index + platform digests, provenance, SBOM, revision, platforms) from the handoff records → GITHUB_STEP_SUMMARY + artifacts/ci/evidence
	@$(CI_ENV) python3 $(CI_TOOL) evidence --handoff $(CI_OUT)/handoff --out $(CI_EVIDENCE_DIR)

ci/secrets/write: ## (composite action) write the registry credentials of the step's env to 0600 files under RUNNER_TEMP; print the flags file
	@python3 $(CI_TOOL) secrets-write --dir "$(CI_SECRET_DIR)"

ci/secrets/clean: ## (composite action, always) remove the registry credential files
	@python3 $(CI_TOOL) secrets-clean --dir "$(CI_SECRET_DIR)"

ci/registry-login: ## Log docker in to the registry of REGISTRY with REGISTRY_USER + REGISTRY_PASSWORD from the step (publish jobs only)
	@python3 $(CI_TOOL) registry-login --registry "$(REGISTRY)"

ci/test: ## The whole test suite as .github/workflows/ci.yml runs it (.ci/run: make test with CI=true)
	@cd $(REPO_ROOT) && bash .ci/run

test/unit/ci: ci/lint ## Workflow lint + schema, the workflow contract (events → jobs, permissions, secrets), ci tool units
	@cd $(REPO_ROOT)/tests/ci && REPO_ROOT=$(REPO_ROOT) $(CI_VENV)/bin/pytest -p no:cacheprovider -q -rs -m "not engine"

test/integration/ci: engine/up bases frontend/build ci/tools ci/act ## Publish paths on a scratch registry: PR pushes nothing (also through act), main the dev tags, v* tag the release + handoff + evidence
	@cd $(REPO_ROOT)/tests/ci && REPO_ROOT=$(REPO_ROOT) STATE_DIR=$(STATE_DIR) LOCAL_REGISTRY=$(LOCAL_REGISTRY) ACT=$(ACT) \
	  $(CI_VENV)/bin/pytest -p no:cacheprovider -q -rs -m engine
