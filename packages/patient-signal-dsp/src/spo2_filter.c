/* Fixed-point SpO2 artefact filter: see include/patient_signal_dsp.h. */
#include "patient_signal_dsp.h"

/* The Conan arch the build says it targets must be what the compiler emits. */
#if defined(PSD_ARCH_armv8) && !defined(__aarch64__)
#error "built as Conan arch=armv8, but the compiler does not target aarch64 (check the profile's compiler)"
#endif
#if defined(PSD_ARCH_x86_64) && !defined(__x86_64__)
#error "built as Conan arch=x86_64, but the compiler does not target x86_64 (check the profile's compiler)"
#endif
#ifndef PSD_ARCH
#error "PSD_ARCH is not defined: build through CMakeLists.txt (PSD_ARCH=<conan arch>)"
#endif
#ifndef PSD_BUILD
#define PSD_BUILD "cmake"
#endif

#define PSD_Q15_ONE 32768
#define PSD_STATE_SHIFT 8

static const char build_info[] =
    "patient-signal-dsp/" PSD_VERSION " arch=" PSD_ARCH " build=" PSD_BUILD;

const char *psd_build_info(void) { return build_info; }

psd_spo2_config psd_spo2_default_config(void) {
    psd_spo2_config c;
    c.alpha_q15 = 8192;
    c.min_valid = 500;
    c.max_valid = 1000;
    c.max_step = 40;
    c.max_hold = 5;
    return c;
}

int psd_spo2_check_config(const psd_spo2_config *cfg) {
    if (cfg == NULL) {
        return PSD_ERR_NULL;
    }
    if (cfg->alpha_q15 < 1 || cfg->alpha_q15 > PSD_Q15_ONE || cfg->min_valid < 0 ||
        cfg->max_valid > 1000 || cfg->max_valid < cfg->min_valid || cfg->max_step < 1 ||
        cfg->max_hold < 1) {
        return PSD_ERR_CONFIG;
    }
    return 0;
}

/* a / 2^shift rounded half away from zero (integer, no undefined shifts of negatives). */
static int64_t round_shift(int64_t a, unsigned shift) {
    int64_t half = (int64_t)1 << (shift - 1);
    if (a >= 0) {
        return (a + half) >> shift;
    }
    return -((-a + half) >> shift);
}

int64_t psd_spo2_filter(const int32_t *in, size_t n, const psd_spo2_config *cfg, int32_t *out,
                        uint8_t *artefact) {
    int rc = psd_spo2_check_config(cfg);
    if (rc != 0) {
        return rc;
    }
    if (n == 0) {
        return 0;
    }
    if (in == NULL || out == NULL) {
        return PSD_ERR_NULL;
    }
    int seeded = 0;
    int64_t state = 0;       /* 1/256 tenths of a percent */
    int32_t last = 0;        /* last accepted raw value */
    int32_t held = PSD_NO_VALUE;
    int32_t jumps = 0;       /* consecutive jump rejections */
    int64_t flagged = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t x = in[i];
        int accept;
        if (x < cfg->min_valid || x > cfg->max_valid) {
            accept = 0;
        } else if (!seeded) {
            accept = 1;
            state = (int64_t)x << PSD_STATE_SHIFT;
        } else {
            int64_t step = (int64_t)x - last;
            if (step < -cfg->max_step || step > cfg->max_step) {
                jumps++;
                if (jumps >= cfg->max_hold) {
                    /* A sustained new level: re-seed there. */
                    accept = 1;
                    state = (int64_t)x << PSD_STATE_SHIFT;
                } else {
                    accept = 0;
                }
            } else {
                accept = 1;
                int64_t diff = ((int64_t)x << PSD_STATE_SHIFT) - state;
                state += round_shift(diff * cfg->alpha_q15, 15);
            }
        }
        if (accept) {
            seeded = 1;
            last = x;
            jumps = 0;
            held = (int32_t)round_shift(state, PSD_STATE_SHIFT);
        } else {
            flagged++;
        }
        out[i] = held;
        if (artefact != NULL) {
            artefact[i] = (uint8_t)(accept ? 0 : 1);
        }
    }
    return flagged;
}
