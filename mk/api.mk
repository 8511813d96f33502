# patient-risk-python-api: Rust signal core, PyO3 wheel, Python risk core, FastAPI service
# (see docs/api.md). Nothing here needs the container engine: PostgreSQL and Redis for the
# integration tests come from Debian and run on loopback, so both test targets are unit tier.
API_APP := $(REPO_ROOT)/apps/patient-risk-python-api
API_VENV := $(API_APP)/.venv
API_PY := $(API_VENV)/bin/python
API_BINDING := $(REPO_ROOT)/packages/patient-signal-python-rust
API_CORE := $(REPO_ROOT)/packages/patient-risk-python-core
API_CRATES := -p patient-signal-rust-core -p patient-signal-python-rust
# The host wheel lands here (the workspace target dir is ignored by git).
API_WHEEL_DIR := $(REPO_ROOT)/target/wheels/api-host
# uv and maturin live in a machine-level venv, not in the system Python or the checkout.
API_TOOLS := $(STATE_DIR)/venvs/api-tools
API_TOOL_PINS := uv==0.13.9 maturin==1.16.0
UV := $(API_TOOLS)/bin/uv
MATURIN := $(API_TOOLS)/bin/maturin
API_UV_ENV := UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(API_VENV)
API_PYTEST := $(API_VENV)/bin/pytest -p no:cacheprovider -q -rs
API_APT := postgresql redis-server

UNIT_TESTS += test/unit/api test/integration/api

.PHONY: api/tools api/wheel api/venv api/contract api/run api/simulate api/system-deps \
  test/unit/api test/integration/api bench/api

api/tools: ## Install uv and maturin (pinned) into $(STATE_DIR)/venvs/api-tools (idempotent)
	@if ! $(UV) --version 2>/dev/null | grep -q '0.13.9' || ! $(MATURIN) --version 2>/dev/null | grep -q '1.16.0'; then \
	  python3 -m venv $(API_TOOLS) && \
	  $(API_TOOLS)/bin/pip install -q --disable-pip-version-check $(API_TOOL_PINS); fi

api/wheel: api/tools dsp/deploy ## Build the patient-signal abi3 wheel for this host with maturin into target/wheels/api-host (links patient-signal-dsp from Conan)
	@mkdir -p $(API_WHEEL_DIR) && rm -f $(API_WHEEL_DIR)/patient_signal-*.whl
	cd $(API_BINDING) && $(MATURIN) build --release --out $(API_WHEEL_DIR)

api/venv: api/tools api/wheel ## Sync the locked uv workspace into apps/patient-risk-python-api/.venv and install the built wheel
	cd $(API_APP) && $(API_UV_ENV) $(UV) sync --frozen --inexact --no-install-package patient-signal
	$(UV) pip install --python $(API_PY) --no-deps --reinstall $(API_WHEEL_DIR)/patient_signal-*.whl
	@$(API_PY) -c "import patient_signal, patient_risk_core, patient_risk_api; print('api venv ready:', patient_signal.__file__)"

api/contract: api/venv ## Regenerate contracts/openapi.yaml from the app (and refresh the packaged packet schema)
	@$(API_PY) -c "from pathlib import Path; from patient_risk_api.contract import write; \
	  changed = write(Path('$(REPO_ROOT)/contracts')); print('updated:', *changed) if changed else print('contracts up to date')"

api/run: api/venv ## Serve the API on :8080 with the memory backend (PATIENT_RISK_* variables override)
	$(API_VENV)/bin/patient-risk-api serve

api/simulate: api/venv ## Post the low-SpO2 fixture to a running API (API_URL=http://127.0.0.1:8080)
	$(API_VENV)/bin/patient-risk-simulator --api $(or $(API_URL),http://127.0.0.1:8080) \
	  --fixture $(REPO_ROOT)/fixtures/low-spo2-trend.json --wait-ready

api/system-deps: ## Install Debian's PostgreSQL and Redis servers for the integration tests when missing
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v redis-server >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(API_APT); \
	else echo "api: PostgreSQL/Redis servers missing; run: sudo apt-get install -y $(API_APT)" >&2; exit 1; fi

test/unit/api: api/venv ## Signal crates (cargo test, clippy -D warnings), wheel import tests, risk core and API on the memory backend
	cd $(REPO_ROOT) && cargo test -p patient-signal-rust-core --quiet
	cd $(REPO_ROOT) && cargo clippy $(API_CRATES) --all-targets --quiet -- -D warnings
	$(API_PYTEST) $(API_BINDING)/tests $(API_CORE)/tests
	cd $(API_APP) && $(API_PYTEST) -m "not integration" tests

test/integration/api: api/venv api/system-deps ## API on real PostgreSQL + Redis started on loopback: migrations, outages, restart, schemathesis
	cd $(API_APP) && $(API_PYTEST) -m integration tests

bench/api: dsp/deploy ## Criterion benchmark of the signal core (7200-sample packet)
	cd $(REPO_ROOT) && cargo bench -p patient-signal-rust-core --bench analyze
