# The release half of the frontend and the app images (docs/frontend-release.md):
#   make ci/affected BASE=origin/main [HEAD=…] [JSON=1]   apps a change touches (guide 5-1)
#   make frontend/push REGISTRY=…                          the frontend image (amd64+arm64, provenance), record with its digest
#   make frontend/pin [CHECK=1]                            pin every spec's `# syntax=` to that digest / check the pin
#   make package/wheel, package/wheel/publish INDEX_URL=…  the API's manylinux wheels as a Python package
# Base images: BASE_IMAGES defaults per destination registry (local bases only for a loopback one).

FRONTEND_RELEASE_TOOL := python3 $(REPO_ROOT)/tools/frontend-release/frontend_release.py
# The frontend CLI (`affected`); tests point it at an already built binary.
FRONTEND_CLI ?= cargo run -q --locked -p patient-risk-frontend --
FRONTEND_REPOSITORY := llb-frontend
# Written by frontend/push: repository, tags, index digest, pinned ref, revision, platforms.
FRONTEND_RELEASE_RECORD ?= $(REPO_ROOT)/artifacts/release/llb-frontend.json
# Committed by frontend/pin: the released frontend every spec names ("the frontend of this tree").
FRONTEND_PIN_FILE ?= $(REPO_ROOT)/frontend-pin.json
FRONTEND_PUSH_OUTPUT ?= type=registry,oci-mediatypes=true

# Where app images go: IMAGE_PREFIX for container/build, REGISTRY for container/push.
IMAGES_DEST ?= $(IMAGE_PREFIX)
container/push: IMAGES_DEST = $(REGISTRY)
IS_LOOPBACK_REGISTRY = $(filter 127.% localhost localhost:% [::1] [::1]:%,$(firstword $(subst /, ,$(1))))
# `local` = the offline bases of `make bases` (loopback registry), `upstream` = bases/catalog.toml's
# refs (pinned by digest where it has one). Default: local only when the images stay on loopback.
BASE_IMAGES ?= $(if $(call IS_LOOPBACK_REGISTRY,$(IMAGES_DEST)),local,upstream)
BASE_IMAGES_REGISTRY ?= $(LOCAL_REGISTRY)/patient-risk/bases
# Run before every bake of app images (IMAGES_BAKE): refuses loopback bases in a remote push.
BASE_IMAGES_CHECK = $(FRONTEND_RELEASE_TOOL) base-images --dest '$(IMAGES_DEST)' --base-images '$(BASE_IMAGES)' \
  --bases-registry '$(BASE_IMAGES_REGISTRY)' >/dev/null

WHEEL_OUT ?= $(REPO_ROOT)/artifacts/wheels
WHEEL_APP := patient-risk-python-api
WHEEL_PLATFORMS ?= linux/amd64,linux/arm64
WHEEL_VENV := $(STATE_DIR)/venv/wheel-tools
WHEEL_REQUIREMENTS := $(REPO_ROOT)/tools/frontend-release/wheel-requirements.txt

UNIT_TESTS += test/unit/frontend-release
INTEGRATION_TESTS += test/integration/frontend-release

.PHONY: ci/affected images/base-images images/base-check frontend/push frontend/ref frontend/pin \
  package/wheel package/wheel/publish wheel-tools/venv test/unit/frontend-release test/integration/frontend-release

ci/affected: ## Apps whose images a change touches, from what the graphs read (BASE=<rev> [HEAD=<rev>] [JSON=1])
	@test -n "$(BASE)" || { echo "usage: make ci/affected BASE=<rev> [HEAD=<rev>] [JSON=1]" >&2; exit 2; }
	@cd $(REPO_ROOT) && $(FRONTEND_CLI) affected --base "$(BASE)" $(if $(HEAD),--head "$(HEAD)") $(if $(JSON),--json)

images/base-images: IMAGES_DEST = $(if $(filter command line environment,$(origin REGISTRY)),$(REGISTRY),$(IMAGE_PREFIX))
images/base-images: ## Print the BASE_IMAGES a bake to IMAGE_PREFIX (or REGISTRY=… as for a push) uses; refuses loopback bases in a remote push
	@$(FRONTEND_RELEASE_TOOL) base-images --dest '$(IMAGES_DEST)' --base-images '$(BASE_IMAGES)' --bases-registry '$(BASE_IMAGES_REGISTRY)'

images/base-check:
	@$(BASE_IMAGES_CHECK)

# Fail before any build when the push would carry loopback bases.
container/push: images/base-check

frontend/push: engine/up frontend/builder-base frontend/sbom-scanner ## Push the frontend image (amd64+arm64, provenance, SBOM) as <REGISTRY>/llb-frontend:<release tags>; digest → artifacts/release/llb-frontend.json
	@test -n "$(REGISTRY)" || { echo "frontend/push: set REGISTRY=<registry>/<prefix>" >&2; exit 2; }
	@set -- $$($(RELEASE_TAGS)); test $$# -gt 0; repo="$(REGISTRY)/$(FRONTEND_REPOSITORY)"; \
	  tags=""; for t in "$$@"; do tags="$$tags -t $$repo:$$t"; done; \
	  revision=$$(git -C $(REPO_ROOT) rev-parse HEAD)$$(git -C $(REPO_ROOT) diff --quiet HEAD -- 2>/dev/null || echo -dirty); \
	  mkdir -p "$(dir $(FRONTEND_RELEASE_RECORD))"; meta="$(FRONTEND_RELEASE_RECORD).metadata"; \
	  echo "frontend/push: $$repo, tags $$*, platforms $(FRONTEND_PLATFORMS)"; \
	  $(FRONTEND_BUILDX) --platform $(FRONTEND_PLATFORMS) $$tags --provenance=mode=max $(FRONTEND_SBOM) \
	    --output "$(FRONTEND_PUSH_OUTPUT)" --metadata-file "$$meta" . ; \
	  $(FRONTEND_RELEASE_TOOL) record --repository "$$repo" --metadata "$$meta" --revision "$$revision" \
	    $$(for t in "$$@"; do printf -- '--tag %s ' "$$t"; done) \
	    $$(echo $(FRONTEND_PLATFORMS) | tr ',' '\n' | sed 's/^/--platform /') --out "$(FRONTEND_RELEASE_RECORD)"

frontend/ref: ## Print <repo>@sha256:… of the last frontend/push (for IMAGES_FRONTEND=… of container/build and container/push)
	@python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ref"])' "$(FRONTEND_RELEASE_RECORD)"

frontend/pin: ## Pin every apps/*/Dockerfile `# syntax=` to the pushed <repo>:<tag>@sha256:… (+ frontend-pin.json); CHECK=1 verifies the pin
ifeq ($(CHECK),)
	@$(FRONTEND_RELEASE_TOOL) pin --record "$(FRONTEND_RELEASE_RECORD)" --pin-file "$(FRONTEND_PIN_FILE)" --apps "$(REPO_ROOT)/apps"
else
	@test -f "$(FRONTEND_PIN_FILE)" || { echo "frontend/pin CHECK=1: no $(FRONTEND_PIN_FILE): the specs are not pinned; run make frontend/push REGISTRY=… then make frontend/pin" >&2; exit 1; }
	@rev=$$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["revision"])' "$(FRONTEND_PIN_FILE)"); \
	  changed=$$(cd $(REPO_ROOT) && $(FRONTEND_CLI) affected --base "$$rev" --json | python3 -c 'import json,sys; print("yes" if json.load(sys.stdin)["all"] else "no")'); \
	  $(FRONTEND_RELEASE_TOOL) pin-check --pin-file "$(FRONTEND_PIN_FILE)" --apps "$(REPO_ROOT)/apps" --frontend-changed "$$changed"
endif

wheel-tools/venv:
	@$(call venv_install,$(WHEEL_VENV),auditwheel twine pypiserver passlib,,$(WHEEL_REQUIREMENTS))

package/wheel: IMAGE_PLATFORMS = $(WHEEL_PLATFORMS)
package/wheel: engine/up bases frontend/build wheel-tools/venv ## Export the API's manylinux wheels (amd64+arm64, graph target `wheel`) to artifacts/wheels/; auditwheel show + twine check
	@rm -rf "$(WHEEL_OUT)" "$(WHEEL_OUT).tmp" && mkdir -p "$(WHEEL_OUT)"
	@$(IMAGES_BAKE) --set "$(WHEEL_APP).target=wheel" --set "$(WHEEL_APP).output=type=local,dest=$(WHEEL_OUT).tmp" $(WHEEL_APP)
	@find "$(WHEEL_OUT).tmp" -name '*.whl' -exec mv {} "$(WHEEL_OUT)/" \; && rm -rf "$(WHEEL_OUT).tmp"
	@cd "$(WHEEL_OUT)" && for arch in x86_64 aarch64; do \
	  n=$$(ls *manylinux*_$$arch.whl 2>/dev/null | wc -l); \
	  test "$$n" -eq 1 || { echo "package/wheel: expected one manylinux $$arch wheel in $(WHEEL_OUT), found $$n: $$(ls)" >&2; exit 1; }; done
	@for w in "$(WHEEL_OUT)"/*.whl; do $(WHEEL_VENV)/bin/auditwheel show "$$w" || exit 1; done
	@$(WHEEL_VENV)/bin/twine check "$(WHEEL_OUT)"/*.whl
	@cd "$(WHEEL_OUT)" && sha256sum *.whl | tee SHA256SUMS

# Credentials come from files (never the command line): INDEX_USERNAME_FILE, INDEX_PASSWORD_FILE.
package/wheel/publish: wheel-tools/venv ## Upload artifacts/wheels/*.whl to a Python index (INDEX_URL=… INDEX_USERNAME_FILE=… INDEX_PASSWORD_FILE=…)
	@test -n "$(INDEX_URL)" || { echo "usage: make package/wheel/publish INDEX_URL=<upload URL> [INDEX_USERNAME_FILE=…] [INDEX_PASSWORD_FILE=…]" >&2; exit 2; }
	@ls "$(WHEEL_OUT)"/*.whl >/dev/null 2>&1 || { echo "package/wheel/publish: no wheels in $(WHEEL_OUT); run make package/wheel" >&2; exit 1; }
	@$(WHEEL_VENV)/bin/twine check "$(WHEEL_OUT)"/*.whl
	@TWINE_USERNAME="$$($(if $(INDEX_USERNAME_FILE),cat '$(INDEX_USERNAME_FILE)',printf '%s' "$${TWINE_USERNAME:-}"))" \
	  TWINE_PASSWORD="$$($(if $(INDEX_PASSWORD_FILE),cat '$(INDEX_PASSWORD_FILE)',printf '%s' "$${TWINE_PASSWORD:-}"))" \
	  $(WHEEL_VENV)/bin/twine upload --non-interactive --disable-progress-bar --repository-url "$(INDEX_URL)" "$(WHEEL_OUT)"/*.whl

test/unit/frontend-release: ## Change → image table on scratch git repos, base-image defaults and refusal, pin/record tool
	@cd $(REPO_ROOT) && cargo test -q --locked -p patient-risk-frontend --test affected_table
	@cd $(REPO_ROOT)/tests/frontend-release && REPO_ROOT=$(REPO_ROOT) python3 -m unittest -q test_unit.py

test/integration/frontend-release: engine/up bases frontend/build engine/test-venv supply-chain/venv ## frontend/push (provenance + SBOM per platform) to a scratch registry, pinned spec built by plain buildx, remote push refusal
	@cd $(REPO_ROOT) && cargo build -q --locked -p patient-risk-frontend
	@cd $(REPO_ROOT)/tests/frontend-release && REPO_ROOT=$(REPO_ROOT) STATE_DIR=$(STATE_DIR) LOCAL_REGISTRY=$(LOCAL_REGISTRY) \
	  HOST_CA_BUNDLE=$(HOST_CA_BUNDLE) FRONTEND_CLI=$(REPO_ROOT)/target/debug/patient-risk-frontend \
	  PYSPDXTOOLS=$(SUPPLY_CHAIN_VENV)/bin/pyspdxtools NTIA_CHECKER=$(SUPPLY_CHAIN_VENV)/bin/sbomcheck \
	  $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs test_push.py
