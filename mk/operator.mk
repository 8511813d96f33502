# risk-monitor-operator (Go, controller-runtime) and its shared Go core
# packages/patient-risk-go-core; both are tied together by the root go.work (see docs/operator.md).
# Nothing here needs the container engine.
OPERATOR_DIR := $(REPO_ROOT)/apps/risk-monitor-operator
GO_CORE_DIR := $(REPO_ROOT)/packages/patient-risk-go-core
GO_MODULE_DIRS := $(OPERATOR_DIR) $(GO_CORE_DIR)
OPERATOR_PKG := ./cmd/risk-monitor-operator
OPERATOR_PLATFORMS := linux/amd64 linux/arm64
OPERATOR_OUT := $(REPO_ROOT)/artifacts/operator
OPERATOR_VERSION ?= $(shell git -C $(REPO_ROOT) describe --tags --always --dirty 2>/dev/null || echo dev)

# The image builds with Debian trixie's golang-1.24 (1.24.4), so the tests do too when it can be
# installed (the trixie suite comes with `make engine/up`); otherwise they fall back to the host go
# with GOTOOLCHAIN=local, where the `go 1.24.0` directive and vet's stdversion check still hold
# the code to Go 1.24. Recursive (=) so the choice is made after operator/toolchain ran.
OPERATOR_GO124_BIN := /usr/lib/go-1.24/bin
OPERATOR_GO_BIN = $(shell test -x $(OPERATOR_GO124_BIN)/go && echo $(OPERATOR_GO124_BIN) || dirname "$$(command -v go)")
# Every go command of this fragment: no toolchain switching, static binaries, trimmed paths. Tests use
# the same settings as the cross builds so the linux/amd64 build reuses the test's compiled packages.
OPERATOR_GO_ENV = PATH="$(OPERATOR_GO_BIN):$$PATH" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"

# Tools run with the host go; installed once per machine (pinned, idempotent).
GO_TOOLS_BIN := $(STATE_DIR)/go-tools/bin
CONTROLLER_GEN_VERSION := v0.18.0
STATICCHECK_VERSION := v0.8.2
CONTROLLER_GEN := $(GO_TOOLS_BIN)/controller-gen
STATICCHECK := $(GO_TOOLS_BIN)/staticcheck
CONTROLLER_GEN_ARGS := object crd rbac:roleName=risk-monitor-operator paths=./...

UNIT_TESTS += test/unit/operator

.PHONY: operator/toolchain operator/tools operator/generate operator/verify-generated operator/build \
  operator/run test/unit/operator

operator/toolchain: ## Install Debian trixie's golang-1.24 (the image's Go) when apt offers it (idempotent)
	@if [ -x $(OPERATOR_GO124_BIN)/go ]; then :; \
	elif [ "$$(id -u)" = 0 ] && apt-cache policy golang-1.24-go 2>/dev/null | grep 'Candidate: 1\.24' >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -t trixie --no-install-recommends golang-1.24-go; \
	else echo "operator: golang-1.24-go is not installable here (make engine/up adds the trixie suite);" \
	  "using the host $$(go version | cut -d' ' -f3) with GOTOOLCHAIN=local" >&2; fi

operator/tools: ## Install controller-gen and staticcheck (pinned) into $(STATE_DIR)/go-tools/bin (idempotent)
	@mkdir -p $(GO_TOOLS_BIN)
	@$(CONTROLLER_GEN) --version 2>/dev/null | grep -qx 'Version: $(CONTROLLER_GEN_VERSION)' || \
	  (cd /tmp && GOTOOLCHAIN=local GOFLAGS= GOBIN=$(GO_TOOLS_BIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION))
	@$(STATICCHECK) -version 2>/dev/null | grep -q '($(patsubst v%,%,$(STATICCHECK_VERSION)))' || \
	  (cd /tmp && GOTOOLCHAIN=local GOFLAGS= GOBIN=$(GO_TOOLS_BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION))

operator/generate: operator/tools ## Regenerate deepcopy, the RiskMonitor CRD and the RBAC role from the Go types
	cd $(OPERATOR_DIR) && GOTOOLCHAIN=local $(CONTROLLER_GEN) $(CONTROLLER_GEN_ARGS) \
	  output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

operator/verify-generated: operator/tools ## Fail when the checked-in deepcopy/CRD/RBAC differ from a fresh controller-gen run
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cd $(OPERATOR_DIR) && \
	GOTOOLCHAIN=local $(CONTROLLER_GEN) $(CONTROLLER_GEN_ARGS) output:object:dir=$$tmp/object \
	  output:crd:artifacts:config=$$tmp/crd output:rbac:artifacts:config=$$tmp/rbac && \
	diff -u api/v1alpha1/zz_generated.deepcopy.go $$tmp/object/zz_generated.deepcopy.go && \
	diff -ru config/crd/bases $$tmp/crd && diff -ru --exclude=leader_election_role.yaml config/rbac $$tmp/rbac || \
	{ echo "operator: generated files are stale: run 'make operator/generate' and commit the result" >&2; exit 1; }
	@echo "operator: deepcopy, CRD and RBAC match controller-gen $(CONTROLLER_GEN_VERSION)"

operator/build: operator/toolchain ## Cross-build static operator binaries for linux/amd64 and linux/arm64 into artifacts/operator/
	@set -e; for p in $(OPERATOR_PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; out=$(OPERATOR_OUT)/$$os-$$arch/risk-monitor-operator; \
	  ( cd $(OPERATOR_DIR) && $(OPERATOR_GO_ENV) GOOS=$$os GOARCH=$$arch \
	    go build -ldflags "-s -w -X main.version=$(OPERATOR_VERSION)" -o $$out $(OPERATOR_PKG) ); \
	  info=$$($(OPERATOR_GO_ENV) go version -m $$out); \
	  for want in "GOOS=$$os" "GOARCH=$$arch" "CGO_ENABLED=0" "-trimpath=true"; do \
	    grep -qF -- "$$want" <<<"$$info" || { echo "operator: $$out lacks build setting $$want" >&2; exit 1; }; done; \
	  if [ "$$arch" = "$$(go env GOHOSTARCH)" ] || [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 -a "$$arch" = arm64 ]; then \
	    got=$$($$out --version) && grep -qF "risk-monitor-operator $(OPERATOR_VERSION) (" <<<"$$got" || \
	      { echo "operator: $$out --version printed '$$got', want version $(OPERATOR_VERSION)" >&2; exit 1; }; \
	  else got="not run: no binfmt handler for $$arch"; fi; \
	  echo "operator: built $$out ($$(du -h $$out | cut -f1)); --version: $$got"; \
	done

operator/run: ## Run the operator from source against the cluster of KUBECONFIG (probes :8081, metrics :8080)
	cd $(OPERATOR_DIR) && GOTOOLCHAIN=local go run -ldflags "-X main.version=$(OPERATOR_VERSION)" $(OPERATOR_PKG)

test/unit/operator: operator/toolchain operator/tools ## Go modules: go.mod policy, gofmt, vet, staticcheck, go test, module-alone build, cross builds, CRD drift
	@set -e; for f in $(REPO_ROOT)/go.work $(addsuffix /go.mod,$(GO_MODULE_DIRS)); do \
	  grep -qE '^go 1\.24(\.[0-4])?$$' $$f || { echo "operator: $$f must say 'go 1.24.x' (x <= 4, the image's trixie Go)" >&2; exit 1; }; \
	  ! grep -q '^toolchain' $$f || { echo "operator: $$f has a toolchain line; remove it (the image builds with GOTOOLCHAIN=local)" >&2; exit 1; }; \
	done
	@unformatted=$$(cd $(REPO_ROOT) && gofmt -l $(GO_MODULE_DIRS)); \
	  [ -z "$$unformatted" ] || { echo "operator: gofmt needed on: $$unformatted" >&2; exit 1; }
	@echo "operator: testing with $$($(OPERATOR_GO_ENV) go version)"
	cd $(REPO_ROOT) && $(OPERATOR_GO_ENV) go vet ./apps/risk-monitor-operator/... ./packages/patient-risk-go-core/...
	cd $(REPO_ROOT) && GOTOOLCHAIN=local CGO_ENABLED=0 $(STATICCHECK) ./apps/risk-monitor-operator/... ./packages/patient-risk-go-core/...
	cd $(REPO_ROOT) && $(OPERATOR_GO_ENV) PATIENT_RISK_REQUIRE_CONTRACTS=1 \
	  go test -count=1 ./apps/risk-monitor-operator/... ./packages/patient-risk-go-core/...
	@set -e; for d in $(GO_MODULE_DIRS); do \
	  ( cd $$d && $(OPERATOR_GO_ENV) GOWORK=off go mod tidy -diff ) || \
	    { echo "operator: $$d/go.mod or go.sum is not tidy: run 'GOWORK=off go mod tidy' there" >&2; exit 1; }; done
	cd $(OPERATOR_DIR) && $(OPERATOR_GO_ENV) GOWORK=off go build -o /dev/null $(OPERATOR_PKG)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && $(MAKE) operator/build OPERATOR_OUT=$$tmp
	@$(MAKE) operator/verify-generated
