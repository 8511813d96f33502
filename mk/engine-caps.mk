# The caps the newest BuildKit offers and v0.13 lacks (docs/scale.md, "What differs on the newer
# engine"): the frontend's start-up on the standalone daemon with them used and masked.
ENGINE_CAPS_BENCH_RUNS ?= 7
ENGINE_CAPS_BENCH_APPS ?= patient-risk-web dev-guide-docs

.PHONY: bench/engine-caps

bench/engine-caps: engine/up bases frontend/build buildkit/up ## Frontend start-up on the standalone BuildKit, newer caps used vs masked (BUILDKIT_ENGINE_CAPS=v0.13): --call check/targets, no-op build, medians
	@syntax=$$(docker buildx imagetools inspect $(FRONTEND_REF) --format '{{json .Manifest}}' \
	    | python3 -c 'import json, sys; print(json.load(sys.stdin)["digest"])'); \
	  cd $(REPO_ROOT) && BUILDER=$(BUILDKIT_NEXT_BUILDER) FRONTEND_SYNTAX=$(FRONTEND_REF)@$$syntax \
	  LOCAL_REGISTRY=$(LOCAL_REGISTRY) HOST_CA_BUNDLE=$(HOST_CA_BUNDLE) RUNS=$(ENGINE_CAPS_BENCH_RUNS) \
	  APPS="$(ENGINE_CAPS_BENCH_APPS)" python3 tools/buildkit/caps_bench.py
