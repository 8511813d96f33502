# Registry retention (docs/retention.md): keep every release, latest and dev, the newest KEEP
# non-release versions and everything a kept index references; delete the rest.
#
#   make registry/retention REGISTRY=127.0.0.1:5000 DRY_RUN=1        print every decision
#   make registry/retention REGISTRY=ghcr.io/tirosh-chain/guide IMAGE=dev-guide-docs KEEP=10
#   make registry/validate REGISTRY=…                                 broken indexes, ghost images
#
# REGISTRY is the repository prefix, as for container/push (default: contracts/release.toml);
# the repositories are the release contract's four plus the frontend's (RETENTION_IMAGES).

RETENTION_TOOL := $(REPO_ROOT)/tools/retention/retention
RETENTION_IMAGES ?= $(shell python3 -c 'import tomllib; print(" ".join(a["repository"] for a in tomllib.load(open("$(REPO_ROOT)/contracts/release.toml", "rb"))["apps"].values()))') llb-frontend
# One image repository (the workflow's matrix entry), or all of RETENTION_IMAGES.
IMAGE ?=
KEEP ?= 10
DRY_RUN ?= 0
RETENTION_GRACE ?= 1h
# Decisions in Markdown go here too (the workflow's $GITHUB_STEP_SUMMARY).
RETENTION_SUMMARY ?= $(GITHUB_STEP_SUMMARY)
RETENTION_ARGS = $(foreach i,$(or $(IMAGE),$(RETENTION_IMAGES)),$(REGISTRY)/$(i)) \
  --keep $(KEEP) --grace $(RETENTION_GRACE) $(if $(RETENTION_SUMMARY),--summary "$(RETENTION_SUMMARY)")

RETENTION_VENV := $(STATE_DIR)/venv/retention
RETENTION_REQUIREMENTS := $(REPO_ROOT)/tests/retention/requirements.txt
# The tier's own registry (deletes enabled), never the shared 127.0.0.1:5000 one.
RETENTION_TEST_REGISTRY ?= 127.0.0.1:5014
RETENTION_TEST_STATE ?= $(STATE_DIR)/retention-registry
RETENTION_PYTEST := cd $(REPO_ROOT)/tests/retention && REPO_ROOT=$(REPO_ROOT) STATE_DIR=$(STATE_DIR) \
  $(RETENTION_VENV)/bin/pytest -p no:cacheprovider -q -rs

UNIT_TESTS += test/unit/retention
INTEGRATION_TESTS += test/integration/retention

.PHONY: registry/retention registry/validate retention/venv test/unit/retention test/integration/retention

registry/retention: ## Retention on REGISTRY (prefix; IMAGE=one repository): keep releases/latest/dev + newest KEEP=10, delete the rest (DRY_RUN=1: only print)
	@test -n "$(REGISTRY)" || { echo "registry/retention: set REGISTRY=<registry prefix>, e.g. 127.0.0.1:5000/patient-risk or ghcr.io/tirosh-chain/guide" >&2; exit 2; }
	@case "$(DRY_RUN)" in 0|1|true|false) ;; *) echo "registry/retention: DRY_RUN must be 0/1 (or false/true), not '$(DRY_RUN)'" >&2; exit 2;; esac
	@case "$(KEEP)" in ''|*[!0-9]*) echo "registry/retention: KEEP must be a whole number >= 0, not '$(KEEP)'" >&2; exit 2;; esac
	@python3 $(RETENTION_TOOL) run $(RETENTION_ARGS) $(if $(filter 1 true,$(DRY_RUN)),--dry-run)

registry/validate: ## Report broken indexes (a referenced child missing), ghost images and orphaned referrers on REGISTRY (IMAGE=…)
	@test -n "$(REGISTRY)" || { echo "registry/validate: set REGISTRY=<registry prefix>" >&2; exit 2; }
	@python3 $(RETENTION_TOOL) validate $(foreach i,$(or $(IMAGE),$(RETENTION_IMAGES)),$(REGISTRY)/$(i)) \
	  $(if $(RETENTION_SUMMARY),--summary "$(RETENTION_SUMMARY)")

retention/venv:
	@if ! $(RETENTION_VENV)/bin/python -c "import pytest, hypothesis, openapi_schema_validator" 2>/dev/null \
	    || ! cmp -s $(RETENTION_REQUIREMENTS) $(RETENTION_VENV)/requirements.txt; then \
	  rm -rf $(RETENTION_VENV) && python3 -m venv $(RETENTION_VENV) && \
	  $(RETENTION_VENV)/bin/pip install -q --disable-pip-version-check -r $(RETENTION_REQUIREMENTS) && \
	  cp $(RETENTION_REQUIREMENTS) $(RETENTION_VENV)/requirements.txt; fi

test/unit/retention: retention/venv ## Retention: policy property tests (hypothesis), GHCR stand-in checked against GitHub's OpenAPI description
	@$(RETENTION_PYTEST) -m "not engine"

test/integration/retention: engine/up bases frontend/build retention/venv ## Retention on a real registry: 15 dev + 2 release pushes of dev-guide-docs, KEEP=10, pulls, SBOM/provenance, 404s, garbage collection
	@cd $(REPO_ROOT)/tests/retention && $(IMAGES_BAKE_ENV) REPO_ROOT=$(REPO_ROOT) STATE_DIR=$(STATE_DIR) \
	  RETENTION_TEST_REGISTRY=$(RETENTION_TEST_REGISTRY) RETENTION_TEST_STATE=$(RETENTION_TEST_STATE) \
	  $(RETENTION_VENV)/bin/pytest -p no:cacheprovider -q -rs -s -m engine
