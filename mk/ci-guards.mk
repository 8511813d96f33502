# Switches that turn tests into no-ops are refused when CI is set (issue 16): a CI run must prove
# every claim, so it may not accept new snapshots, force snapshot tests to pass, skip the
# reproducibility rebuild or point the e2e tests at some deployment other than the one they start.
# Checked when make reads the Makefile, so every target (and every tier) refuses them.
CI_GUARD_ON := $(filter-out false False FALSE 0 no,$(strip $(CI)))
ifneq ($(CI_GUARD_ON),)
ifneq ($(filter-out no,$(strip $(INSTA_UPDATE))),)
$(error CI is set but INSTA_UPDATE=$(INSTA_UPDATE) would accept changed snapshots instead of failing on them; unset INSTA_UPDATE (locally: review with `cargo insta review`))
endif
ifneq ($(filter-out 0,$(strip $(INSTA_FORCE_PASS))),)
$(error CI is set but INSTA_FORCE_PASS=$(INSTA_FORCE_PASS) would pass every snapshot test whatever it finds; unset INSTA_FORCE_PASS)
endif
ifeq ($(strip $(SUPPLY_CHAIN_REPRO)),off)
$(error CI is set but SUPPLY_CHAIN_REPRO=off would skip the reproducibility rebuild; unset it (or use cold / no-cache))
endif
ifneq ($(strip $(E2E_BASE_URL)),)
$(error CI is set but E2E_BASE_URL=$(E2E_BASE_URL) would point the e2e tests at an outside deployment instead of the stack they start; unset E2E_BASE_URL)
endif
endif
