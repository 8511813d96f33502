# The Compose demo (compose.demo.yml): PostgreSQL, Redis, the API and the web app built by the
# LLB frontend's local-runtime targets, and the signal-device simulator. See docs/demo.md.
DEMO_FILE := $(REPO_ROOT)/compose.demo.yml
# Compose project names: the demo, and the storage pair started alone by storage/up.
DEMO_PROJECT ?= patient-risk-demo
STORAGE_PROJECT ?= patient-risk-storage
# More compose files layered over the demo's (each passed with -f), e.g. a local override.
DEMO_COMPOSE_EXTRA ?=
# Where the web app is published on the host.
WEB_BIND ?= 127.0.0.1
WEB_PORT ?= 8080
# auto: use the local bases when the registry has every one the demo needs, else upstream;
# yes: the local bases (fail if one is missing); no: upstream images (a machine with Docker Hub).
OFFLINE_BASES ?= auto
DEMO_WAIT_TIMEOUT ?= 300
DEMO_PROGRESS ?= $(if $(CI),plain,auto)
DEMO_FIXTURE := $(REPO_ROOT)/fixtures/low-spo2-trend.json

DEMO_BASES_REPO := patient-risk/bases
DEMO_BASES_REGISTRY := $(LOCAL_REGISTRY)/$(DEMO_BASES_REPO)
# Every base the demo's two graphs and its storage use; the storage pair alone needs two.
DEMO_LOCAL_BASES := postgres redis python-runtime python-builder rust-builder nginx-runtime node-builder
STORAGE_LOCAL_BASES := postgres redis
DEMO_FRONTEND = $(or $(FRONTEND_IMAGE),ghcr.io/tirosh-chain/guide/llb-frontend:0.1.0)
DEMO_CA_BUNDLE = $(or $(HOST_CA_BUNDLE),/etc/ssl/certs/ca-certificates.crt)

# --- which bases: decided when a recipe runs, i.e. after `bases` ran as a prerequisite ---------
DEMO_MANIFEST_ACCEPT := -H 'Accept: application/vnd.oci.image.index.v1+json' \
  -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
  -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  -H 'Accept: application/vnd.docker.distribution.manifest.v2+json'
demo_missing = $(shell for b in $(1); do curl -fsS -o /dev/null --head --max-time 5 $(DEMO_MANIFEST_ACCEPT) \
  http://$(LOCAL_REGISTRY)/v2/$(DEMO_BASES_REPO)/$$b/manifests/local 2>/dev/null || printf '%s ' $$b; done)
# $(call demo_mode,<bases>): local | upstream, or stops make with the fix.
demo_mode = $(strip \
  $(if $(filter auto,$(OFFLINE_BASES)),$(if $(strip $(call demo_missing,$(1))),upstream,local),\
  $(if $(filter yes,$(OFFLINE_BASES)),$(if $(strip $(call demo_missing,$(1))),\
    $(error OFFLINE_BASES=yes but $(LOCAL_REGISTRY) lacks the local bases: $(call demo_missing,$(1)); run `make bases`),local),\
  $(if $(filter no,$(OFFLINE_BASES)),upstream,\
    $(error OFFLINE_BASES=$(OFFLINE_BASES) is not valid; use auto, yes or no)))))
# Evaluated once per make run (the first recipe that needs it), then kept.
DEMO_MODE = $(eval DEMO_MODE := $(call demo_mode,$(DEMO_LOCAL_BASES)))$(DEMO_MODE)
STORAGE_MODE = $(eval STORAGE_MODE := $(call demo_mode,$(STORAGE_LOCAL_BASES)))$(STORAGE_MODE)

# Storage images: POSTGRES_IMAGE / REDIS_IMAGE from the environment win; else the local bases in
# local mode; else compose.demo.yml's upstream defaults.
demo_storage_env = $(if $(or $(POSTGRES_IMAGE),$(filter local,$(1))),POSTGRES_IMAGE=$(or $(POSTGRES_IMAGE),$(DEMO_BASES_REGISTRY)/postgres:local)) \
  $(if $(or $(REDIS_IMAGE),$(filter local,$(1))),REDIS_IMAGE=$(or $(REDIS_IMAGE),$(DEMO_BASES_REGISTRY)/redis:local))
DEMO_ENV = $(call demo_storage_env,$(DEMO_MODE)) BASE_IMAGES=$(DEMO_MODE) BASE_IMAGES_REGISTRY=$(DEMO_BASES_REGISTRY) \
  FRONTEND_IMAGE=$(DEMO_FRONTEND) HOST_CA_BUNDLE=$(DEMO_CA_BUNDLE) WEB_BIND=$(WEB_BIND) WEB_PORT=$(WEB_PORT)
STORAGE_ENV = $(call demo_storage_env,$(STORAGE_MODE))

DEMO_COMPOSE = docker compose --progress=$(DEMO_PROGRESS) --project-directory $(REPO_ROOT) -p $(DEMO_PROJECT) \
  -f $(DEMO_FILE) $(foreach f,$(DEMO_COMPOSE_EXTRA),-f $(abspath $(f)))
STORAGE_COMPOSE = docker compose --progress=$(DEMO_PROGRESS) --project-directory $(REPO_ROOT) -p $(STORAGE_PROJECT) -f $(DEMO_FILE)
# The host address that reaches the published web port.
DEMO_WEB_URL = http://$(if $(filter 0.0.0.0 ::,$(WEB_BIND)),127.0.0.1,$(WEB_BIND)):$(WEB_PORT)
DEMO_PY := python3 -c
# Fixture fields, read once.
DEMO_PATIENT := $(shell python3 -c "import json; print(json.load(open('$(DEMO_FIXTURE)'))['patient_id'])" 2>/dev/null)
DEMO_PACKET := $(shell python3 -c "import json; print(json.load(open('$(DEMO_FIXTURE)'))['packet_id'])" 2>/dev/null)
# Names the API gives its data (apps/patient-risk-python-api/src/patient_risk_api/storage).
DEMO_REDIS_KEY := patient-risk:latest:$(DEMO_PATIENT)
DEMO_PSQL := psql -X -q -t -A -v ON_ERROR_STOP=1 --username=patient_risk --dbname=patient_risk

.PHONY: demo/run demo/logs demo/stop demo/reset demo/bases demo/check/storage demo/test-venv \
  storage/up storage/check storage/down storage/bases test/integration/demo

demo/bases: engine/up
	@if [ "$(OFFLINE_BASES)" != no ]; then $(MAKE) bases BASES="$(DEMO_LOCAL_BASES)"; fi

storage/bases: engine/up
	@if [ "$(OFFLINE_BASES)" != no ]; then $(MAKE) bases BASES="$(STORAGE_LOCAL_BASES)"; fi

demo/run: engine/up demo/bases frontend/build ## Build API + web through the LLB frontend, start the demo, post the low-SpO2 fixture, print the web URL and the risk
	@echo "demo: $(DEMO_MODE) base images$(if $(filter local,$(DEMO_MODE)), from $(DEMO_BASES_REGISTRY)); project $(DEMO_PROJECT)"
	@if (exec 3<>/dev/tcp/$(patsubst http://%:$(WEB_PORT),%,$(DEMO_WEB_URL))/$(WEB_PORT)) 2>/dev/null \
	  && [ -z "$$($(DEMO_COMPOSE) ps --quiet --status running web 2>/dev/null)" ]; then \
	  echo "demo/run: $(DEMO_WEB_URL) is already taken by something other than this demo; pick another port: make demo/run WEB_PORT=8081" >&2; exit 1; fi
	@$(DEMO_ENV) $(DEMO_COMPOSE) build api web
	@if [ "$(DEMO_MODE)" = local ]; then $(DEMO_ENV) $(DEMO_COMPOSE) pull --quiet postgres redis; fi
	@if ! $(DEMO_ENV) $(DEMO_COMPOSE) up --detach --wait --wait-timeout $(DEMO_WAIT_TIMEOUT) --remove-orphans postgres redis api web; then \
	  echo "demo/run: the demo did not become healthy; state, then the last log lines of each service that is not running and healthy:" >&2; \
	  $(DEMO_COMPOSE) ps --all >&2 || true; \
	  for svc in postgres redis api web; do \
	    id=$$($(DEMO_COMPOSE) ps --all --quiet $$svc); test -n "$$id" || continue; \
	    state=$$(docker inspect -f '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$$id"); \
	    test "$$state" = running/healthy && continue; \
	    echo "--- $$svc ($$state)" >&2; docker logs --tail=25 "$$id" >&2 || true; \
	  done; \
	  echo "demo/run: more with \`make demo/logs\`; if a migration failed half-way, \`make demo/reset\` drops the volumes and starts over" >&2; \
	  exit 1; fi
	@$(DEMO_ENV) $(DEMO_COMPOSE) up --detach --no-deps --force-recreate signal-device-simulator
	@sim=$$($(DEMO_COMPOSE) ps --all --quiet signal-device-simulator); status=$$(docker wait "$$sim"); \
	  echo; echo "demo: the signal-device simulator posted:"; \
	  docker logs "$$sim" 2>&1 | sed 's/^/  /'; \
	  if [ "$$status" != 0 ]; then echo "demo/run: the simulator exited with status $$status (see above)" >&2; exit 1; fi
	@risk=$$(curl -fsS --max-time 10 $(DEMO_WEB_URL)/api/v1/patients/$(DEMO_PATIENT)/risk) || { \
	  echo "demo/run: GET $(DEMO_WEB_URL)/api/v1/patients/$(DEMO_PATIENT)/risk failed" >&2; exit 1; }; \
	  echo; echo "demo: risk of $(DEMO_PATIENT) read back through the web app's proxy ($(DEMO_WEB_URL)/api/v1/patients/$(DEMO_PATIENT)/risk):"; \
	  $(DEMO_PY) "import json, sys; r = json.loads(sys.argv[1]); print(f\"  {r['level'].upper()} (score {r['score']}), assessed {r['assessed_at']} from packet {r['packet_id']}\")" "$$risk"; \
	  echo; echo "demo: open $(DEMO_WEB_URL)/ (patient page: $(DEMO_WEB_URL)/patients/$(DEMO_PATIENT))"; \
	  echo "demo: logs: make demo/logs; storage proof: make demo/check/storage; stop: make demo/stop; wipe: make demo/reset"

demo/logs: ## Print the demo's logs (SERVICE=api to pick one, FOLLOW=1 to follow)
	@# compose 2.26 starts each log line with ESC[2K: harmless on a terminal, dropped elsewhere.
	@if [ -t 1 ]; then $(DEMO_COMPOSE) logs --timestamps $(if $(FOLLOW),--follow) $(SERVICE); \
	else $(DEMO_COMPOSE) logs --no-color --timestamps $(if $(FOLLOW),--follow) $(SERVICE) | sed -u 's/\x1b\[2K//g'; fi

demo/stop: ## Stop and remove the demo's containers; the PostgreSQL and Redis volumes are kept
	@$(DEMO_COMPOSE) down --remove-orphans
	@echo "demo: stopped; data kept in the volumes of project $(DEMO_PROJECT) (make demo/reset removes them)"

demo/reset: ## Remove the demo's containers and volumes (e.g. after a migration failed half-way)
	@$(DEMO_COMPOSE) down --volumes --remove-orphans
	@echo "demo: containers and volumes of project $(DEMO_PROJECT) removed; make demo/run starts from an empty schema"

demo/check/storage: ## Prove the running demo uses postgres-redis: the simulator's packet is in PostgreSQL, the latest risk in Redis
	@test -n "$(DEMO_PATIENT)" -a -n "$(DEMO_PACKET)" || { echo "demo/check/storage: cannot read patient_id/packet_id from $(DEMO_FIXTURE)" >&2; exit 1; }
	@ready=$$(curl -sS --max-time 10 $(DEMO_WEB_URL)/api/readyz) || { \
	  echo "demo/check/storage: no answer from $(DEMO_WEB_URL)/api/readyz; is the demo running (make demo/run)?" >&2; exit 1; }; \
	  $(DEMO_PY) "import json, sys; c = json.loads(sys.argv[1]).get('checks', {}); missing = [k for k in ('database', 'schema', 'redis') if c.get(k) != 'ok']; \
	  sys.exit(f'demo/check/storage: /readyz does not show a ready postgres-redis backend: {c}') if missing else print(f'api: postgres-redis backend ready {c}')" "$$ready"
	@risk=$$(curl -fsS --max-time 10 $(DEMO_WEB_URL)/api/v1/patients/$(DEMO_PATIENT)/risk) || { \
	  echo "demo/check/storage: GET /api/v1/patients/$(DEMO_PATIENT)/risk failed: has the simulator posted (make demo/run)?" >&2; exit 1; }; \
	  row=$$(printf '%s\n' "SELECT p.patient_id || '|' || a.level || '|' || a.score FROM packets p JOIN assessments a USING (packet_id) WHERE p.packet_id = :'packet'" \
	    | $(DEMO_COMPOSE) exec -T postgres $(DEMO_PSQL) -v packet='$(DEMO_PACKET)'); \
	  test -n "$$row" || { echo "demo/check/storage: packet $(DEMO_PACKET) is not in PostgreSQL (tables packets/assessments, project $(DEMO_PROJECT))" >&2; exit 1; }; \
	  echo "postgres: packet $(DEMO_PACKET) stored with its assessment (patient|level|score = $$row)"; \
	  latest=$$(printf '%s\n' "SELECT latest_packet_id || '|' || latest_level || '|' || revision FROM patients WHERE patient_id = :'patient'" \
	    | $(DEMO_COMPOSE) exec -T postgres $(DEMO_PSQL) -v patient='$(DEMO_PATIENT)'); \
	  cached=$$($(DEMO_COMPOSE) exec -T redis redis-cli --raw HGET '$(DEMO_REDIS_KEY)' snapshot); \
	  revision=$$($(DEMO_COMPOSE) exec -T redis redis-cli --raw HGET '$(DEMO_REDIS_KEY)' revision); \
	  test -n "$$cached" || { echo "demo/check/storage: Redis has no latest-risk key $(DEMO_REDIS_KEY) (project $(DEMO_PROJECT))" >&2; exit 1; }; \
	  $(DEMO_PY) "import json, sys; api, cached, (packet, level, revision), cached_rev = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3].split('|'), sys.argv[4].strip(); \
	  problems = [f'{name}: API {a!r}, Redis {b!r}, PostgreSQL {c!r}' for name, a, b, c in (('packet_id', api['packet_id'], cached['packet_id'], packet), ('level', api['level'], cached['level'], level)) if not a == b == c]; \
	  problems += [f'revision: Redis {cached_rev!r}, PostgreSQL {revision!r}'] if cached_rev != revision else []; \
	  sys.exit('demo/check/storage: API, Redis and PostgreSQL disagree:\n  ' + '\n  '.join(problems)) if problems else \
	  print(f'redis: $(DEMO_REDIS_KEY) = {cached[\"level\"]} (score {cached[\"score\"]}, packet {cached[\"packet_id\"]}, revision {cached_rev}), same as PostgreSQL and the API')" \
	  "$$risk" "$$cached" "$$latest" "$$revision"
	@echo "demo/check/storage: ok: the API runs the postgres-redis path"

storage/up: engine/up storage/bases ## Start PostgreSQL and Redis alone (project patient-risk-storage) and print their loopback URLs
	@echo "storage: $(STORAGE_MODE) images$(if $(filter local,$(STORAGE_MODE)), from $(DEMO_BASES_REGISTRY)); project $(STORAGE_PROJECT)"
	@if [ "$(STORAGE_MODE)" = local ]; then $(STORAGE_ENV) $(STORAGE_COMPOSE) pull --quiet postgres redis; fi
	@$(STORAGE_ENV) $(STORAGE_COMPOSE) up --detach --wait --wait-timeout $(DEMO_WAIT_TIMEOUT) postgres redis
	@pg=$$($(STORAGE_COMPOSE) port postgres 5432); rd=$$($(STORAGE_COMPOSE) port redis 6379); \
	  echo "storage: PATIENT_RISK_DATABASE_URL=postgresql://patient_risk:$${POSTGRES_PASSWORD:-patient-risk-demo}@$$pg/patient_risk"; \
	  echo "storage: PATIENT_RISK_REDIS_URL=redis://$$rd/0"

storage/check: ## Run real queries on the storage pair: PostgreSQL SELECT 1 and a write, Redis PING/SET/GET, host ports open
	@token=check-$$(date +%s)-$$RANDOM; \
	  one=$$($(STORAGE_COMPOSE) exec -T postgres $(DEMO_PSQL) -c 'SELECT 1') || { \
	    echo "storage/check: no PostgreSQL in project $(STORAGE_PROJECT); start it with make storage/up" >&2; exit 1; }; \
	  test "$$one" = 1 || { echo "storage/check: SELECT 1 returned '$$one'" >&2; exit 1; }; \
	  back=$$(printf '%s\n' "CREATE TEMP TABLE storage_check (v text); INSERT INTO storage_check VALUES (:'token'); SELECT v FROM storage_check;" \
	    | $(STORAGE_COMPOSE) exec -T postgres $(DEMO_PSQL) -v token="$$token"); \
	  test "$$back" = "$$token" || { echo "storage/check: PostgreSQL write/read returned '$$back', expected '$$token'" >&2; exit 1; }; \
	  echo "postgres: SELECT 1 = $$one; wrote and read back $$token; $$($(STORAGE_COMPOSE) exec -T postgres $(DEMO_PSQL) -c 'SHOW server_version')"; \
	  pong=$$($(STORAGE_COMPOSE) exec -T redis redis-cli --raw PING) || { \
	    echo "storage/check: no Redis in project $(STORAGE_PROJECT); start it with make storage/up" >&2; exit 1; }; \
	  test "$$pong" = PONG || { echo "storage/check: Redis PING answered '$$pong'" >&2; exit 1; }; \
	  set=$$($(STORAGE_COMPOSE) exec -T redis redis-cli --raw SET storage-check "$$token" EX 60 2>&1 || true); \
	  got=$$($(STORAGE_COMPOSE) exec -T redis redis-cli --raw GET storage-check 2>&1 || true); \
	  $(STORAGE_COMPOSE) exec -T redis redis-cli --raw DEL storage-check >/dev/null || true; \
	  test "$$set" = OK -a "$$got" = "$$token" || { echo "storage/check: Redis SET answered '$$set', GET returned '$$got', expected '$$token'" >&2; exit 1; }; \
	  echo "redis: PING = $$pong; SET/GET round trip of $$token; $$($(STORAGE_COMPOSE) exec -T redis redis-cli --raw INFO server | grep -m1 '^redis_version' | tr -d '\r')"; \
	  for svc in postgres:5432 redis:6379; do \
	    addr=$$($(STORAGE_COMPOSE) port $${svc%%:*} $${svc#*:}); \
	    (exec 3<>/dev/tcp/$${addr%:*}/$${addr##*:}) 2>/dev/null || { echo "storage/check: $${svc%%:*} is not reachable from the host at $$addr" >&2; exit 1; }; \
	    echo "host: $${svc%%:*} reachable at $$addr"; \
	  done
	@echo "storage/check: ok"

storage/down: ## Stop the storage pair and remove its containers and volumes
	@$(STORAGE_COMPOSE) down --volumes --remove-orphans

# --- tests -------------------------------------------------------------------------------------
DEMO_TEST_VENV := $(STATE_DIR)/venv/demo-tests
DEMO_TEST_PINS := pytest==9.2.0 jsonschema==4.26.0 PyYAML==6.0.4
# compose-go's schema: the one `docker compose` 2.26 validates with (a Go module).
DEMO_COMPOSE_SCHEMA_MODULE ?= github.com/compose-spec/compose-go/v2@v2.0.2
DEMO_TEST_ENV := REPO_ROOT=$(REPO_ROOT) LOCAL_REGISTRY=$(LOCAL_REGISTRY) STATE_DIR=$(STATE_DIR) \
  DEMO_COMPOSE_SCHEMA_MODULE=$(DEMO_COMPOSE_SCHEMA_MODULE)

demo/test-venv:
	@$(call venv_install,$(DEMO_TEST_VENV),pytest jsonschema yaml,$(DEMO_TEST_PINS))

INTEGRATION_TESTS += test/integration/demo

test/integration/demo: engine/up demo/bases frontend/build demo/test-venv web/deps web/e2e-deps bench/api-load/tools api/venv ## Demo acceptance: compose schema, storage targets, demo/run from clean, stop/run keeps data, reset, broken migration, Chromium; the API load harness (3 s of wrk)
	@cd $(REPO_ROOT)/tests/demo && $(DEMO_TEST_ENV) $(DEMO_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs
