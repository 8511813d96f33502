# API load benchmark (issue 18, "API load"; docs/api-load.md): the API from its image, built by
# the LLB frontend for linux/amd64, on the host network bound to 127.0.0.1, PostgreSQL and Redis
# from Debian's binaries on loopback (as the API's integration tier starts them), driven by
# Debian's wrk (bench/api_load.lua) and checked against PostgreSQL (bench/api_load.py).
API_LOAD_WRK_VERSION ?= 4.1.0-3+b2
API_LOAD_IMAGE_TAG ?= 0.0.0-bench
# E.g. "-o frontend/build -o bases": build with the frontend image already loaded (make's -o is
# not passed to sub-makes, so the image build's own make gets it here).
API_LOAD_IMAGE_MAKEFLAGS ?=
API_LOAD_IMAGE ?= $(IMAGE_PREFIX)/patient-risk-python-api:$(API_LOAD_IMAGE_TAG)
API_LOAD_DURATION ?= 20
API_LOAD_CONNECTIONS ?= 16
API_LOAD_PATIENTS ?= 0
API_LOAD_WORKERS ?=
API_LOAD_OUT ?= $(REPO_ROOT)/artifacts/bench/api-load
# py-spy (from PyPI, pinned) samples the API under load: make bench/api-load/profile.
API_LOAD_PYSPY_VENV := $(STATE_DIR)/venvs/py-spy
API_LOAD_PYSPY_PIN := py-spy==0.4.1
# Shared image tags are built one at a time by everyone (same lock as the other engineers' builds).
API_LOAD_BUILD_LOCK := $(STATE_DIR)/run/image-build.lock
API_LOAD_ENV = REPO_ROOT=$(REPO_ROOT) API_LOAD_IMAGE=$(API_LOAD_IMAGE) API_LOAD_DURATION=$(API_LOAD_DURATION) \
  API_LOAD_CONNECTIONS=$(API_LOAD_CONNECTIONS) API_LOAD_PATIENTS=$(API_LOAD_PATIENTS) \
  API_LOAD_WORKERS=$(API_LOAD_WORKERS) API_LOAD_OUT=$(API_LOAD_OUT) API_LOAD_PYSPY=$(API_LOAD_PYSPY_VENV)/bin/py-spy

.PHONY: bench/api-load bench/api-load/tools bench/api-load/image bench/api-load/run bench/api-load/py-spy \
  bench/api-load/profile

bench/api-load/tools: api/system-deps ## Install Debian's wrk (pinned, API_LOAD_WRK_VERSION) for the API load benchmark
	@if [ "$$(dpkg-query -W -f '$${Version}' wrk 2>/dev/null)" != "$(API_LOAD_WRK_VERSION)" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "bench/api-load: run as root or: sudo apt-get install -y wrk=$(API_LOAD_WRK_VERSION)" >&2; exit 1; fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk=$(API_LOAD_WRK_VERSION); fi

bench/api-load/image: engine/up ## Build the API image for linux/amd64 through the LLB frontend (tag API_LOAD_IMAGE_TAG) and pull it into the local image store
	@mkdir -p $(STATE_DIR)/run
	flock $(API_LOAD_BUILD_LOCK) $(MAKE) --no-print-directory container/build/patient-risk-python-api \
	  IMAGE_TAG=$(API_LOAD_IMAGE_TAG) IMAGE_PLATFORMS=linux/amd64 $(API_LOAD_IMAGE_MAKEFLAGS)
	docker pull -q $(API_LOAD_IMAGE)

bench/api-load/run: bench/api-load/tools api/venv ## Run the load benchmark against API_LOAD_IMAGE as it is (no build)
	@cd $(REPO_ROOT) && $(API_LOAD_ENV) $(API_PY) bench/api_load.py

bench/api-load: bench/api-load/image ## API load: the API image + PostgreSQL + Redis on loopback under wrk; packets/s, p50/p99, errors, CPU per packet, all accepted packets in PostgreSQL, resends answered as stored
	@$(MAKE) --no-print-directory bench/api-load/run

bench/api-load/py-spy: ## Install py-spy (pinned) into $(STATE_DIR)/venvs/py-spy for bench/api-load/profile
	@if ! $(API_LOAD_PYSPY_VENV)/bin/py-spy --version 2>/dev/null | grep -qx 'py-spy $(patsubst py-spy==%,%,$(API_LOAD_PYSPY_PIN))'; then \
	  rm -rf $(API_LOAD_PYSPY_VENV) && python3 -m venv $(API_LOAD_PYSPY_VENV) && \
	  $(API_LOAD_PYSPY_VENV)/bin/pip install -q --disable-pip-version-check $(API_LOAD_PYSPY_PIN); fi

bench/api-load/profile: bench/api-load/tools bench/api-load/py-spy api/venv ## The load run of bench/api-load/run with py-spy sampling the API (GIL holders only): profile-summary.txt in API_LOAD_OUT
	@cd $(REPO_ROOT) && $(API_LOAD_ENV) API_LOAD_PROFILE=1 $(API_PY) bench/api_load.py
