# The operator against a real Kubernetes API server (issue 16): kube-apiserver built from the
# Kubernetes sources (tools/kube-apiserver/), Debian's etcd, both started on loopback by
# tests/operator/. See docs/operator.md ("Against a real API server").
KUBE_VERSION := v1.33.13
KUBE_APISERVER := $(STATE_DIR)/kube/$(KUBE_VERSION)/bin/kube-apiserver
# Debian trixie's etcd-server (bookworm has 3.4; Kubernetes 1.33 is released against etcd 3.5).
# It needs only libc6 >= 2.34, so the trixie pin of `make engine/up` installs it without upgrading libc.
ETCD_DEB_VERSION := 3.5.16-4
ETCD_VERSION := $(firstword $(subst -, ,$(ETCD_DEB_VERSION)))
# The host-built operator the tests run (the image is run too; see tests/operator/). Recursive (=):
# this file is included before operator.mk, which defines OPERATOR_OUT.
OPERATOR_IT_BIN = $(OPERATOR_OUT)/it/risk-monitor-operator
OPERATOR_IT_TAG ?= 0.0.0-operator-it
OPERATOR_IT_BASES := postgres redis python-runtime python-builder rust-builder go-builder static-runtime
OPERATOR_IT_ENV = REPO_ROOT=$(REPO_ROOT) STATE_DIR=$(STATE_DIR) KUBE_APISERVER=$(KUBE_APISERVER) \
  KUBE_VERSION=$(KUBE_VERSION) ETCD_VERSION=$(ETCD_VERSION) OPERATOR_BIN=$(OPERATOR_IT_BIN) \
  OPERATOR_IMAGE=$(IMAGE_PREFIX)/risk-monitor-operator:$(OPERATOR_IT_TAG) \
  API_IMAGE=$(IMAGE_PREFIX)/patient-risk-python-api:$(OPERATOR_IT_TAG) \
  POSTGRES_IMAGE=$(LOCAL_REGISTRY)/patient-risk/bases/postgres:local \
  REDIS_IMAGE=$(LOCAL_REGISTRY)/patient-risk/bases/redis:local

INTEGRATION_TESTS += test/integration/operator

.PHONY: operator/apiserver operator/etcd operator/it-binary operator/it-images test/integration/operator

# engine/up first: it adds the trixie apt suite that operator/toolchain installs Go 1.24 from.
operator/apiserver: engine/up operator/toolchain ## Build kube-apiserver $(KUBE_VERSION) from the Kubernetes sources into $(STATE_DIR)/kube (once per machine)
	@STATE_DIR=$(STATE_DIR) $(REPO_ROOT)/tools/kube-apiserver/build.sh

operator/etcd: engine/up ## Install Debian trixie's etcd-server $(ETCD_DEB_VERSION) (pinned, idempotent; never started as a service)
	@if [ "$$(dpkg-query -W -f '$${Version}' etcd-server 2>/dev/null)" = "$(ETCD_DEB_VERSION)" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends etcd-server=$(ETCD_DEB_VERSION); \
	else echo "operator: etcd-server $(ETCD_DEB_VERSION) missing; run as root: apt-get install etcd-server=$(ETCD_DEB_VERSION)" >&2; exit 1; fi
	@v=$$(etcd --version) && [ "$${v%%$$'\n'*}" = 'etcd Version: $(ETCD_VERSION)' ] || { echo "operator: etcd is not $(ETCD_VERSION): $${v%%$$'\n'*}" >&2; exit 1; }

operator/it-binary: operator/toolchain ## Build the host operator binary the integration tests run ($(OPERATOR_IT_BIN))
	@cd $(OPERATOR_DIR) && $(OPERATOR_GO_ENV) go build -ldflags "-X main.version=$(OPERATOR_IT_TAG)" -o $(OPERATOR_IT_BIN) $(OPERATOR_PKG)

operator/it-images: engine/up frontend/build ## Build the operator and API images (linux/amd64) the operator integration tests run
	@$(MAKE) bases BASES="$(OPERATOR_IT_BASES)"
	@$(MAKE) container/build/patient-risk-python-api container/build/risk-monitor-operator \
	  IMAGE_TAG=$(OPERATOR_IT_TAG) IMAGE_PLATFORMS=linux/amd64

test/integration/operator: operator/apiserver operator/etcd operator/it-binary operator/it-images demo/test-venv ## Operator vs a real kube-apiserver + etcd on loopback: CRD, RBAC as its service account, status, events, leader election, the API image
	@cd $(REPO_ROOT)/tests/operator && $(OPERATOR_IT_ENV) $(DEMO_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs
