# Supply chain and release: tags from git, multi-platform push with provenance + frontend-owned
# SBOM attestations, the release handoff for the CD repository (docs/supply-chain.md).
#
#   make container/push IMAGE_TAG=0.1.0 REGISTRY=127.0.0.1:5000   release v0.1.0 + latest
#   make container/push REGISTRY=127.0.0.1:5000                   dev, dev-<n>-g<sha>, sha-<sha>
#   make release/handoff IMAGE_TAG=0.1.0 REGISTRY=127.0.0.1:5000  artifacts/release/*.{json,md}
#
# The build itself is the images tier's bake invocation ($(IMAGES_BAKE), mk/images.mk); this
# fragment only adds tags, attestations, the reproducible-build settings and the output.

RELEASE_TOOLS := $(REPO_ROOT)/tools/release
# Repository prefix: <REGISTRY>/<repository of contracts/release.toml>.
REGISTRY ?= $(shell python3 -c 'import tomllib; print(tomllib.load(open("$(REPO_ROOT)/contracts/release.toml", "rb"))["registry"]["default-prefix"])')
# Apps to push (default: every app of the release contract).
RELEASE_APPS ?= $(IMAGE_APPS)
# IMAGE_TAG given on the command line or in the environment means a release of that version;
# otherwise (images.mk's default) the tags are dev tags computed from git.
RELEASE_TAG_ARGS = $(if $(filter command line environment environment override,$(origin IMAGE_TAG)),--image-tag $(IMAGE_TAG))
RELEASE_TAGS = $(RELEASE_TOOLS)/tags $(RELEASE_TAG_ARGS)
RELEASE_OUT ?= $(REPO_ROOT)/artifacts/release
# Commit and timestamp stamped into the images (default: HEAD and its commit time, from
# tools/release/tags); pin both to rebuild a given release byte for byte.
RELEASE_REVISION ?=
RELEASE_SDE ?=
# Extra bake flags (e.g. more --set '*.secret=...' entries; tests pass canary secrets here).
RELEASE_BAKE_FLAGS ?=
# Exporter of the push: an OCI index in the registry. No `rewrite-timestamp=true`: Docker 26.1's
# image exporter forces `unpack`, which BuildKit refuses with it (moby/buildkit#4230); the graphs
# stamp every file they add with SOURCE_DATE_EPOCH instead (docs/supply-chain.md). On a builder
# without that limit, append `,rewrite-timestamp=true` here.
RELEASE_OUTPUT ?= type=registry,oci-mediatypes=true
# Attestations: BuildKit's SLSA provenance with the full build definition + the frontend's SBOM.
RELEASE_ATTEST ?= --provenance=mode=max --sbom=true
SUPPLY_CHAIN_VENV := $(STATE_DIR)/venv/supply-chain
SUPPLY_CHAIN_REQUIREMENTS := $(REPO_ROOT)/tests/supply-chain/requirements.txt

UNIT_TESTS += test/unit/supply-chain
INTEGRATION_TESTS += test/integration/supply-chain

.PHONY: container/push release/tags release/handoff supply-chain/venv test/unit/supply-chain test/integration/supply-chain

release/tags: ## Print the image tags of this checkout (IMAGE_TAG=X.Y.Z: release vX.Y.Z + latest; else dev tags)
	@$(RELEASE_TAGS)

container/push: engine/up bases frontend/build ## Push all apps (amd64+arm64) with provenance (mode=max) + SBOM attestations, tags from git (IMAGE_TAG=…, REGISTRY=…)
	@set -- $$($(RELEASE_TAGS) --bake-set --registry "$(REGISTRY)" $(foreach a,$(RELEASE_APPS),--app $(a))); \
	  version=$$($(RELEASE_TAGS) --field version); \
	  sde=$(or $(RELEASE_SDE),$$($(RELEASE_TAGS) --field source_date_epoch)); \
	  revision=$(or $(RELEASE_REVISION),$$($(RELEASE_TAGS) --field revision)); \
	  echo "container/push: version $$version, revision $$revision, SOURCE_DATE_EPOCH=$$sde, tags: $$($(RELEASE_TAGS) | paste -sd' ')"; \
	  mkdir -p "$(RELEASE_OUT)"; \
	  $(IMAGES_BAKE) --allow=fs.read=$(HOST_CA_BUNDLE) "$$@" --set "*.args.VERSION=$$version" --set "*.args.SOURCE_DATE_EPOCH=$$sde" --set "*.args.REVISION=$$revision" \
	    --set "*.output=$(RELEASE_OUTPUT)" $(RELEASE_ATTEST) \
	    --metadata-file "$(RELEASE_OUT)/push-metadata.json" $(RELEASE_BAKE_FLAGS) $(RELEASE_APPS)
	@$(RELEASE_TOOLS)/handoff --registry "$(REGISTRY)" $(RELEASE_TAG_ARGS) $(foreach a,$(RELEASE_APPS),--app $(a)) --out "$(RELEASE_OUT)"

release/handoff: ## Write the CD handoff (artifacts/release/<app>.json/.md: repository, tags, index digest, platforms, port, readiness, migrations)
	@$(RELEASE_TOOLS)/handoff --registry "$(REGISTRY)" $(RELEASE_TAG_ARGS) $(foreach a,$(RELEASE_APPS),--app $(a)) --out "$(RELEASE_OUT)"

supply-chain/venv:
	@$(call venv_install,$(SUPPLY_CHAIN_VENV),pytest spdx_tools ntia_conformance_checker,,$(SUPPLY_CHAIN_REQUIREMENTS))

# image-sbom's tests build Go binaries (the operator fragment's Go) and run pyspdxtools and the NTIA
# minimum-elements checker (sbomcheck) of the venv; each fails, never skips, without its tool.
test/unit/supply-chain: supply-chain/venv ## image-sbom on this repo's lock files + pyspdxtools + NTIA checker, release tools (tags from a scratch git repo)
	@cd $(REPO_ROOT) && PATH="$(OPERATOR_GO_BIN):$$PATH" GOTOOLCHAIN=local PYSPDXTOOLS=$(SUPPLY_CHAIN_VENV)/bin/pyspdxtools \
	  NTIA_CHECKER=$(SUPPLY_CHAIN_VENV)/bin/sbomcheck cargo test -q --locked -p image-sbom
	@cd $(REPO_ROOT) && cargo clippy -q --locked -p image-sbom --all-targets -- -D warnings
	@cd $(REPO_ROOT)/tests/supply-chain && $(SUPPLY_CHAIN_VENV)/bin/pytest -p no:cacheprovider -q -rs -m "not engine"

test/integration/supply-chain: engine/up bases frontend/build supply-chain/venv ## Push to the local registry; SBOM/provenance per platform, pyspdxtools, no canary leak, handoff digests, dev tags, reproducible digests
	@cd $(REPO_ROOT)/tests/supply-chain && REPO_ROOT=$(REPO_ROOT) LOCAL_REGISTRY=$(LOCAL_REGISTRY) \
	  HOST_CA_BUNDLE=$(HOST_CA_BUNDLE) PYSPDXTOOLS=$(SUPPLY_CHAIN_VENV)/bin/pyspdxtools NTIA_CHECKER=$(SUPPLY_CHAIN_VENV)/bin/sbomcheck \
	  $(SUPPLY_CHAIN_VENV)/bin/pytest -p no:cacheprovider -q -rs -m engine
