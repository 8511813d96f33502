# patient-signal-dsp: the C library (fixed-point SpO2 filter) packaged with Conan 2,
# built for the guide's Conan arch values: x86_64 (linux/amd64) and armv8 (linux/arm64,
# cross-compiled by Debian's aarch64-linux-gnu-gcc, its tests run under qemu-aarch64-static).
# Conan and CMake are pinned in a venv under STATE_DIR; Conan's cache lives there too
# (no remote but the ones we add: conancenter is removed). See docs/private-registries.md.
DSP_DIR := $(REPO_ROOT)/packages/patient-signal-dsp
DSP_REF := patient-signal-dsp/0.1.0
DSP_TOOLS := $(STATE_DIR)/venvs/conan
# Conan, CMake, Ninja and every dependency pinned (the image build's Conan step installs the same list).
DSP_TOOL_PINS := $(DSP_DIR)/conan-requirements.txt
DSP_TOOL_STAMP := $(DSP_TOOLS)/.conan-requirements.txt
DSP_CONAN := $(DSP_TOOLS)/bin/conan
DSP_CONAN_HOME := $(STATE_DIR)/dsp/conan-home
DSP_APT := gcc g++ gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
DSP_ENV := CONAN_HOME=$(DSP_CONAN_HOME) PATH=$(DSP_TOOLS)/bin:$$PATH
DSP_BUILD := $(STATE_DIR)/dsp/cmake-build
# Build profile (this amd64 machine) and one host profile per Conan arch.
DSP_PR_BUILD := -pr:b $(DSP_DIR)/profiles/linux-x86_64
DSP_PR_x86_64 := -pr:h $(DSP_DIR)/profiles/linux-x86_64
DSP_PR_armv8 := -pr:h $(DSP_DIR)/profiles/linux-armv8 \
  -c tools.build.cross_building:can_run=True \
  -c 'user.psd:emulator=qemu-aarch64-static -L /usr/aarch64-linux-gnu' \
  -c 'tools.cmake.cmaketoolchain:extra_variables={"CMAKE_CROSSCOMPILING_EMULATOR": "qemu-aarch64-static;-L;/usr/aarch64-linux-gnu"}'
DSP_ARCHES := x86_64 armv8
# Conan package folders for the Rust signal core's build.rs, one per Rust target (see
# packages/patient-signal-rust-core/build.rs); exported to every recipe (cargo, maturin).
DSP_DEPLOY := $(STATE_DIR)/dsp/deploy
DSP_PKG_x86_64 := $(DSP_DEPLOY)/x86_64/full_deploy/host/patient-signal-dsp/0.1.0/Release/x86_64
DSP_PKG_armv8 := $(DSP_DEPLOY)/armv8/full_deploy/host/patient-signal-dsp/0.1.0/Release/armv8
export PATIENT_SIGNAL_DSP_DIR_X86_64_UNKNOWN_LINUX_GNU := $(DSP_PKG_x86_64)
export PATIENT_SIGNAL_DSP_DIR_AARCH64_UNKNOWN_LINUX_GNU := $(DSP_PKG_armv8)

UNIT_TESTS += test/unit/dsp

.PHONY: dsp/tools dsp/create dsp/deploy test/unit/dsp dsp/publish

dsp/tools: ## Install Conan 2 + CMake (pinned venv under STATE_DIR) and Debian's gcc, aarch64 cross gcc and qemu-user-static
	@missing=""; for p in $(DSP_APT); do dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  elif sudo -n true 2>/dev/null; then sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else echo "dsp: Debian packages missing:$$missing; run: sudo apt-get install -y$$missing" >&2; exit 1; fi; fi
	@cmp -s $(DSP_TOOL_PINS) $(DSP_TOOL_STAMP) || { rm -rf $(DSP_TOOLS) && python3 -m venv $(DSP_TOOLS) \
	  && $(DSP_TOOLS)/bin/pip install -q --disable-pip-version-check --no-deps -r $(DSP_TOOL_PINS) \
	  && $(DSP_TOOLS)/bin/pip check -q && cp $(DSP_TOOL_PINS) $(DSP_TOOL_STAMP); }
	@mkdir -p $(DSP_CONAN_HOME)
	@if $(DSP_ENV) conan remote list 2>/dev/null | grep -q '^conancenter:'; then $(DSP_ENV) conan remote remove conancenter >/dev/null; fi

dsp/create: $(addprefix dsp/create/,$(DSP_ARCHES)) ## Build the Conan package for arch=x86_64 and arch=armv8 into STATE_DIR's Conan cache (unit tests + test_package for both)

dsp/create/%: dsp/tools
	@echo "dsp: conan create $(DSP_REF) arch=$*"
	@log=$(STATE_DIR)/dsp/create-$*.log; \
	$(DSP_ENV) conan create $(DSP_DIR) $(DSP_PR_BUILD) $(DSP_PR_$*) --build='$(DSP_REF)' >$$log 2>&1 \
	  || { tail -40 $$log >&2; echo "dsp: conan create arch=$* failed (log $$log)" >&2; exit 1; }; \
	grep -q '^100% tests passed, 0 tests failed' $$log \
	  || { echo "dsp: arch=$*: ctest did not report a pass (log $$log)" >&2; exit 1; }; \
	grep -q "^patient-signal-dsp/0.1.0 arch=$* build=conan" $$log \
	  || { echo "dsp: arch=$*: test_package did not run or reported another arch (log $$log)" >&2; exit 1; }; \
	echo "dsp: [$*] unit tests and test_package passed: $$(grep -m1 '^Full package reference:' $$log | cut -d' ' -f4)"

dsp/deploy: $(addprefix dsp/deploy/,$(DSP_ARCHES)) ## Conan-install patient-signal-dsp for x86_64 and armv8 (built from the workspace recipe when missing) into STATE_DIR for the Rust signal core

dsp/deploy/%: dsp/tools
	@mkdir -p $(DSP_DEPLOY)/$*; log=$(STATE_DIR)/dsp/deploy-$*.log; \
	{ $(DSP_ENV) conan export $(DSP_DIR) && \
	  rm -rf $(DSP_DEPLOY)/$*.new && \
	  $(DSP_ENV) conan install --requires=$(DSP_REF) $(DSP_PR_BUILD) $(DSP_PR_$*) --build='missing:$(DSP_REF)' \
	    --deployer=full_deploy --deployer-folder=$(DSP_DEPLOY)/$*.new -of $(DSP_DEPLOY)/$*.new/generators \
	    --format=json >$(DSP_DEPLOY)/$*.graph.json; } >$$log 2>&1 \
	  || { tail -30 $$log >&2; echo "dsp: conan install arch=$* failed (log $$log)" >&2; exit 1; }
	@# Files whose content did not change keep their mtime: cargo does not rebuild the core for a rebuild of the same binary.
	@python3 -c 'import filecmp, os, shutil, sys; \
	new, old = sys.argv[1] + ".new/full_deploy", sys.argv[1] + "/full_deploy"; \
	keep = set(); \
	[keep.add(os.path.relpath(os.path.join(d, f), new)) for d, _, fs in os.walk(new) for f in fs]; \
	[os.remove(os.path.join(d, f)) for d, _, fs in os.walk(old) for f in fs if os.path.relpath(os.path.join(d, f), old) not in keep]; \
	[(os.makedirs(os.path.dirname(os.path.join(old, r)), exist_ok=True), shutil.copy2(os.path.join(new, r), os.path.join(old, r))) \
	 for r in sorted(keep) if not (os.path.isfile(os.path.join(old, r)) and filecmp.cmp(os.path.join(new, r), os.path.join(old, r), shallow=False))]; \
	shutil.rmtree(sys.argv[1] + ".new")' $(DSP_DEPLOY)/$*
	@test -f $(DSP_PKG_$*)/lib/libpatient_signal_dsp.a || { echo "dsp: $(DSP_PKG_$*)/lib/libpatient_signal_dsp.a missing after conan install" >&2; exit 1; }
	@echo "dsp: arch=$* deployed: $(DSP_PKG_$*)"

test/unit/dsp: dsp/create ## C unit tests on the host (CMake + ctest), then both Conan arches with their unit tests and test_package
	@rm -rf $(DSP_BUILD) && $(DSP_TOOLS)/bin/cmake -G Ninja -DCMAKE_MAKE_PROGRAM=$(DSP_TOOLS)/bin/ninja -S $(DSP_DIR) -B $(DSP_BUILD) -DPSD_ARCH=x86_64 -DPSD_BUILD_TESTS=ON >/dev/null
	@$(DSP_TOOLS)/bin/cmake --build $(DSP_BUILD) >/dev/null
	@$(DSP_TOOLS)/bin/ctest --test-dir $(DSP_BUILD) --output-on-failure

# Publishing: the Conan server of `make registries/up` (tools/registries), remote `patientrisk`
# in STATE_DIR's Conan home; the login comes from the generated credentials through Conan's
# env vars (never a command-line argument) and is dropped again (`conan remote logout`).
DSP_REMOTE := patientrisk
DSP_LOGIN_ENV = CONAN_LOGIN_USERNAME_PATIENTRISK="$$(cat $(REGISTRY_CREDENTIALS)/conan_login_username)" \
  CONAN_PASSWORD_PATIENTRISK="$$(cat $(REGISTRY_CREDENTIALS)/conan_password)"

dsp/publish: dsp/create registries/up ## Upload patient-signal-dsp (recipe + arch=x86_64 and arch=armv8 binaries) to the loopback Conan server
	@$(DSP_ENV) conan remote add --force $(DSP_REMOTE) $(REGISTRY_CONAN_URL) >/dev/null 2>&1 \
	  || { echo "dsp: conan remote add $(DSP_REMOTE) $(REGISTRY_CONAN_URL) failed" >&2; exit 1; }
	@log=$(STATE_DIR)/dsp/publish.log; \
	{ $(DSP_ENV) $(DSP_LOGIN_ENV) conan upload '$(DSP_REF)' -r $(DSP_REMOTE) -c \
	  && $(DSP_ENV) $(DSP_LOGIN_ENV) conan list '$(DSP_REF)#*:*#*' -r $(DSP_REMOTE) --format=json >$(STATE_DIR)/dsp/published.json; } >$$log 2>&1; \
	rc=$$?; $(DSP_ENV) conan remote logout $(DSP_REMOTE) >/dev/null 2>&1 || true; \
	[ $$rc = 0 ] || { tail -20 $$log >&2; echo "dsp: conan upload to $(REGISTRY_CONAN_URL) failed (log $$log)" >&2; exit 1; }
	@python3 -c 'import json, sys; \
	ref = "$(DSP_REF)"; data = json.load(open(sys.argv[1]))["$(DSP_REMOTE)"]; \
	arches = sorted(p["info"]["settings"]["arch"] for r in data[ref]["revisions"].values() for p in r.get("packages", {}).values()); \
	print("dsp: published on $(REGISTRY_CONAN_URL):", ref, "arch=" + ",".join(arches)); \
	sys.exit(0 if set(arches) >= {"x86_64", "armv8"} else "dsp: the remote lacks a binary for x86_64 or armv8")' $(STATE_DIR)/dsp/published.json

# The registries' publish step also publishes the Conan package; `cargo package` of the Rust
# signal core (tools/registries/publish.py) runs its build script, which links the Conan package.
registries/publish: dsp/publish dsp/deploy

INTEGRATION_TESTS += test/integration/dsp

test/integration/dsp: engine/up bases frontend/build engine/test-venv dsp/deploy registries/publish ## The API wheel per platform links the Conan binary of its own arch (workspace and registry mode; ELF, build info, package ids, machine code)
	@cd $(REPO_ROOT)/tests/dsp && $(IMAGES_TEST_ENV) $(ENGINE_TEST_VENV)/bin/pytest -p no:cacheprovider -q -rs

# The signal core's build script links the Conan package: CI's core test step needs it deployed.
ci/rust-core: dsp/deploy
