/*
 * patient-signal-dsp: fixed-point SpO2 artefact rejection and smoothing.
 *
 * Input is SpO2 in tenths of a percent (975 = 97.5 %), one value per sample at
 * a steady sample rate. Every sample is either accepted or flagged as an
 * artefact:
 *   - out of range: below min_valid or above max_valid (a probe-off reading
 *     of 0, a saturated 127 %, ...);
 *   - a jump: further than max_step from the last accepted raw value (SpO2
 *     does not move several percent between two samples; motion does).
 *     After max_hold consecutive jump rejections the new level is accepted
 *     (the filter re-seeds there): a real, sustained change is never held off
 *     for longer than max_hold samples.
 * Accepted samples feed an exponential moving average in fixed point:
 *     s[n] = s[n-1] + round(alpha * (x[n]*256 - s[n-1]) / 32768)
 * where s is the state in 1/256 tenths of a percent and alpha is Q15
 * (1..32768; 32768 = no smoothing). The output is round(s / 256); artefacts
 * output the held value. Before the first accepted sample the output is
 * PSD_NO_VALUE. All arithmetic is integer: identical results on every
 * architecture and compiler.
 *
 * The library calls nothing from libc.
 */
#ifndef PATIENT_SIGNAL_DSP_H
#define PATIENT_SIGNAL_DSP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PSD_VERSION "0.1.0"
/* Output before the first accepted sample. */
#define PSD_NO_VALUE (-1)
/* Error codes (negative return values). */
#define PSD_ERR_NULL (-1)
#define PSD_ERR_CONFIG (-2)

typedef struct psd_spo2_config {
    int32_t alpha_q15;   /* smoothing factor, 1..32768 */
    int32_t min_valid;   /* lowest plausible reading, tenths of % (>= 0) */
    int32_t max_valid;   /* highest plausible reading, tenths of % (<= 1000, >= min_valid) */
    int32_t max_step;    /* largest plausible change between samples, tenths of % (>= 1) */
    int32_t max_hold;    /* consecutive jump rejections before re-seeding (>= 1) */
} psd_spo2_config;

/* The defaults: alpha 0.25, 50.0..100.0 %, 4.0 % per sample, re-seed after 5 samples. */
psd_spo2_config psd_spo2_default_config(void);

/* Checks a configuration: 0 when usable, PSD_ERR_CONFIG otherwise. */
int psd_spo2_check_config(const psd_spo2_config *cfg);

/*
 * Filters n samples of `in` into `out` (both n long; may be the same array).
 * `artefact` (n long, or NULL) receives 1 for a flagged sample, 0 otherwise.
 * Returns the number of flagged samples (>= 0), or PSD_ERR_NULL /
 * PSD_ERR_CONFIG. n == 0 returns 0 and touches nothing.
 */
int64_t psd_spo2_filter(const int32_t *in, size_t n, const psd_spo2_config *cfg,
                        int32_t *out, uint8_t *artefact);

/*
 * "patient-signal-dsp/<version> arch=<arch> build=<how>": which binary this
 * is. <arch> is the Conan arch setting the package was built for (x86_64,
 * armv8), checked against the compiler's own target at compile time.
 */
const char *psd_build_info(void);

#ifdef __cplusplus
}
#endif

#endif
