# patient-risk-web and its UI packages (npm workspaces; see docs/web.md).
# Unit tier: lint, typecheck and Vitest of every workspace. The Chromium e2e test
# runs Debian's nginx and the real API (memory backend) on loopback, so it needs
# no container engine and sits in the unit tier too.
WEB_DIR := $(REPO_ROOT)/apps/patient-risk-web
WEB_DIST := $(WEB_DIR)/dist
# npm writes this after every install; older than the lock (or a workspace
# manifest) means node_modules is stale.
WEB_NODE_STAMP := $(REPO_ROOT)/node_modules/.package-lock.json
WEB_MANIFESTS := $(REPO_ROOT)/package.json $(REPO_ROOT)/package-lock.json \
  $(REPO_ROOT)/packages/patient-monitor-ui-core/package.json \
  $(REPO_ROOT)/packages/patient-monitor-react-components/package.json \
  $(WEB_DIR)/package.json $(REPO_ROOT)/tests/e2e/package.json
# Public API root baked into the bundle (the image's API_BASE_PATH build arg).
VITE_API_BASE ?= /api
# Debian packages the e2e test drives (fonts so screenshots have text).
WEB_E2E_APT := chromium nginx fonts-dejavu-core

.PHONY: web/deps web/lint web/typecheck web/build web/types web/nginx-check web/dev \
  web/e2e-deps test/unit/web test/e2e/web

$(WEB_NODE_STAMP): $(WEB_MANIFESTS)
	@command -v npm >/dev/null || { echo "web: npm not found; install Node.js 20 (node >= 20.19) and npm" >&2; exit 1; }
	cd $(REPO_ROOT) && npm ci --no-audit --no-fund
	@touch $@

web/deps: $(WEB_NODE_STAMP) ## Install the npm workspaces from package-lock.json (npm ci, only when it changed)

web/lint: web/deps ## ESLint over the web workspaces (no warnings allowed)
	cd $(REPO_ROOT) && npm run --silent lint

web/typecheck: web/deps ## TypeScript strict typecheck of every web workspace
	cd $(REPO_ROOT) && npm run --silent typecheck

web/build: web/deps ## Build the SPA into apps/patient-risk-web/dist (VITE_API_BASE=/api by default)
	cd $(REPO_ROOT) && VITE_API_BASE='$(VITE_API_BASE)' npm run --silent build

web/types: web/deps ## Regenerate the API client's types from contracts/openapi.yaml
	cd $(REPO_ROOT) && npm run --silent generate:types -w packages/patient-monitor-ui-core

web/nginx-check: ## Render the web image's nginx config with its start script and run nginx -t
	@runtime=$$(mktemp -d) && trap 'rm -rf "$$runtime"' EXIT && \
	  PATIENT_RISK_RUNTIME_DIR=$$runtime PATIENT_RISK_WEB_ROOT=$(WEB_DIST) \
	  PATIENT_RISK_DNS_RESOLVER=127.0.0.1 sh $(WEB_DIR)/nginx/start.sh check && \
	  echo "web: nginx -t accepted the rendered config"

web/dev: web/deps ## Vite dev server on :5173, /api proxied to PATIENT_RISK_API_UPSTREAM (default http://127.0.0.1:8080)
	cd $(REPO_ROOT) && npm run dev -w apps/patient-risk-web -- --host 127.0.0.1

test/unit/web: web/deps ## Web unit tests: lint, typecheck, Vitest (ui-core, components, app)
	cd $(REPO_ROOT) && npm run --silent lint
	cd $(REPO_ROOT) && npm run --silent typecheck
	cd $(REPO_ROOT) && npm test

web/e2e-deps:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/sbin/nginx ] && [ -d /usr/share/fonts/truetype/dejavu ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "web: installing $(WEB_E2E_APT) from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(WEB_E2E_APT) >/dev/null; \
	else echo "web: the e2e test needs Debian's $(WEB_E2E_APT); run as root or install them" >&2; exit 1; fi

# api/venv (mk/api.mk) provides apps/patient-risk-python-api/.venv/bin/patient-risk-api.
test/e2e/web: web/deps web/e2e-deps api/venv web/build ## Chromium e2e: built SPA behind host nginx + real API; screenshots in artifacts/e2e
	cd $(REPO_ROOT) && npm run --silent e2e

UNIT_TESTS += test/unit/web test/e2e/web
