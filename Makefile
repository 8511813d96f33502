# The repo's one entry point. Each area keeps its targets in mk/<area>.mk;
# `make help` lists every target with the line after its `##`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

REPO_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
# Machine-level state shared by every checkout (CI clones, later sessions):
# engine logs, registry storage, base-image cache.
STATE_DIR ?= /var/lib/patient-risk
LOCAL_REGISTRY ?= 127.0.0.1:5000

# Test tiers: each mk/*.mk appends its own targets.
UNIT_TESTS :=
INTEGRATION_TESTS :=

include $(sort $(wildcard $(REPO_ROOT)/mk/*.mk))

.PHONY: help test test/unit test/integration
help: ## List every target with a one-line description
	@grep -hE '^[a-zA-Z0-9_/%.-]+:.*## ' $(MAKEFILE_LIST) | sort -u \
	  | awk 'BEGIN {FS = ":.*## "}; {printf "  %-28s %s\n", $$1, $$2}'

test: ## Run every test: unit tier, then the integration tier against the real engine
	@$(MAKE) test/unit
	@$(MAKE) test/integration

test/unit: $(UNIT_TESTS) ## Unit tests of every package (no engine needed)

test/integration: $(INTEGRATION_TESTS) ## Integration tests against the real BuildKit engine
