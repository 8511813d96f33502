# patient-signal-dsp: the C library (fixed-point SpO2 filter) packaged with Conan 2,
# built for the guide's Conan arch values: x86_64 (linux/amd64) and armv8 (linux/arm64,
# cross-compiled by Debian's aarch64-linux-gnu-gcc, its tests run under qemu-aarch64-static).
# Conan and CMake are pinned in a venv under STATE_DIR; Conan's cache lives there too
# (no remote but the ones we add: conancenter is removed). See docs/private-registries.md.
DSP_DIR := $(REPO_ROOT)/packages/patient-signal-dsp
DSP_REF := patient-signal-dsp/0.1.0
DSP_TOOLS := $(STATE_DIR)/venvs/conan
DSP_TOOL_PINS := conan==2.33.0 cmake==3.31.10
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

UNIT_TESTS += test/unit/dsp

.PHONY: dsp/tools dsp/create test/unit/dsp dsp/publish

dsp/tools: ## Install Conan 2 + CMake (pinned venv under STATE_DIR) and Debian's gcc, aarch64 cross gcc and qemu-user-static
	@missing=""; for p in $(DSP_APT); do dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else echo "dsp: Debian packages missing:$$missing; run: sudo apt-get install -y$$missing" >&2; exit 1; fi; fi
	@if ! $(DSP_CONAN) --version 2>/dev/null | grep -q ' 2.33.0$$' || ! $(DSP_TOOLS)/bin/cmake --version 2>/dev/null | grep -q ' 3.31.10$$'; then \
	  python3 -m venv $(DSP_TOOLS) && $(DSP_TOOLS)/bin/pip install -q --disable-pip-version-check $(DSP_TOOL_PINS); fi
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

test/unit/dsp: dsp/create ## C unit tests on the host (CMake + ctest), then both Conan arches with their unit tests and test_package
	@rm -rf $(DSP_BUILD) && $(DSP_TOOLS)/bin/cmake -S $(DSP_DIR) -B $(DSP_BUILD) -DPSD_ARCH=x86_64 -DPSD_BUILD_TESTS=ON >/dev/null
	@$(DSP_TOOLS)/bin/cmake --build $(DSP_BUILD) >/dev/null
	@$(DSP_TOOLS)/bin/ctest --test-dir $(DSP_BUILD) --output-on-failure
