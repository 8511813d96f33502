/*
 * Unit tests of the SpO2 filter: every expected value is worked out by hand
 * from the formula in patient_signal_dsp.h (comments show the arithmetic).
 * Plain C runner: exits 1 and names the failing check.
 */
#include <stdio.h>
#include <string.h>

#include "patient_signal_dsp.h"

static int failures = 0;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                             \
        }                                                                           \
    } while (0)

static void check_series(const char *name, const int32_t *in, size_t n, const psd_spo2_config *cfg,
                         const int32_t *want, const uint8_t *want_flags, int64_t want_rc) {
    int32_t out[16];
    uint8_t flags[16];
    int64_t rc = psd_spo2_filter(in, n, cfg, out, flags);
    if (rc != want_rc) {
        fprintf(stderr, "%s: returned %lld, want %lld\n", name, (long long)rc, (long long)want_rc);
        failures++;
    }
    for (size_t i = 0; i < n; i++) {
        if (out[i] != want[i] || flags[i] != want_flags[i]) {
            fprintf(stderr, "%s: sample %zu: out %d flag %u, want %d flag %u\n", name, i, out[i],
                    flags[i], want[i], want_flags[i]);
            failures++;
        }
    }
}

static psd_spo2_config cfg_with(int32_t alpha, int32_t max_step, int32_t max_hold) {
    psd_spo2_config c = psd_spo2_default_config();
    c.alpha_q15 = alpha;
    c.max_step = max_step;
    c.max_hold = max_hold;
    return c;
}

static void test_defaults_and_config_checks(void) {
    psd_spo2_config c = psd_spo2_default_config();
    CHECK(c.alpha_q15 == 8192 && c.min_valid == 500 && c.max_valid == 1000);
    CHECK(c.max_step == 40 && c.max_hold == 5);
    CHECK(psd_spo2_check_config(&c) == 0);
    CHECK(psd_spo2_check_config(NULL) == PSD_ERR_NULL);
    psd_spo2_config bad = c;
    bad.alpha_q15 = 0;
    CHECK(psd_spo2_check_config(&bad) == PSD_ERR_CONFIG);
    bad = c;
    bad.alpha_q15 = 32769;
    CHECK(psd_spo2_check_config(&bad) == PSD_ERR_CONFIG);
    bad = c;
    bad.max_valid = 1001;
    CHECK(psd_spo2_check_config(&bad) == PSD_ERR_CONFIG);
    bad = c;
    bad.min_valid = 900;
    bad.max_valid = 899;
    CHECK(psd_spo2_check_config(&bad) == PSD_ERR_CONFIG);
    bad = c;
    bad.max_step = 0;
    CHECK(psd_spo2_check_config(&bad) == PSD_ERR_CONFIG);
    bad = c;
    bad.max_hold = 0;
    CHECK(psd_spo2_check_config(&bad) == PSD_ERR_CONFIG);
}

static void test_errors(void) {
    psd_spo2_config c = psd_spo2_default_config();
    int32_t x[1] = {970};
    int32_t out[1] = {12345};
    CHECK(psd_spo2_filter(x, 1, NULL, out, NULL) == PSD_ERR_NULL);
    CHECK(psd_spo2_filter(NULL, 1, &c, out, NULL) == PSD_ERR_NULL);
    CHECK(psd_spo2_filter(x, 1, &c, NULL, NULL) == PSD_ERR_NULL);
    c.alpha_q15 = -3;
    CHECK(psd_spo2_filter(x, 1, &c, out, NULL) == PSD_ERR_CONFIG);
    c = psd_spo2_default_config();
    CHECK(psd_spo2_filter(NULL, 0, &c, NULL, NULL) == 0);
    CHECK(out[0] == 12345); /* untouched on error */
}

static void test_constant_signal_is_unchanged(void) {
    psd_spo2_config c = psd_spo2_default_config();
    const int32_t in[5] = {975, 975, 975, 975, 975};
    const uint8_t none[5] = {0};
    check_series("constant", in, 5, &c, in, none, 0);
}

static void test_smoothing_half_alpha(void) {
    /* alpha = 16384 (0.5). state(900) = 230400.
     * 920: diff 235520-230400 = 5120, *0.5 = 2560 -> 232960 -> /256 = 910
     * 920: diff 2560 -> 1280 -> 234240 -> 915
     * 920: diff 1280 -> 640 -> 234880 -> 917.5 -> 918 (half away from zero) */
    psd_spo2_config c = cfg_with(16384, 40, 5);
    const int32_t in[4] = {900, 920, 920, 920};
    const int32_t want[4] = {900, 910, 915, 918};
    const uint8_t none[4] = {0};
    check_series("half alpha rising", in, 4, &c, want, none, 0);
    /* Falling: state(920) = 235520; 900: diff -5120 -> -2560 -> 232960 -> 910. */
    const int32_t down[2] = {920, 900};
    const int32_t want_down[2] = {920, 910};
    check_series("half alpha falling", down, 2, &c, want_down, none, 0);
}

static void test_alpha_one_passes_through(void) {
    psd_spo2_config c = cfg_with(32768, 40, 5);
    const int32_t in[4] = {961, 958, 990, 1000};
    const uint8_t none[4] = {0};
    check_series("alpha one", in, 4, &c, in, none, 0);
}

static void test_out_of_range_is_held(void) {
    psd_spo2_config c = cfg_with(32768, 40, 5);
    /* probe off (0) and an impossible 100.1 % are artefacts: the last output is held. */
    const int32_t in[4] = {970, 0, 1001, 972};
    const int32_t want[4] = {970, 970, 970, 972};
    const uint8_t flags[4] = {0, 1, 1, 0};
    check_series("out of range", in, 4, &c, want, flags, 2);
    /* Nothing valid yet: PSD_NO_VALUE until the first accepted sample. */
    const int32_t lead[3] = {0, 499, 960};
    const int32_t want_lead[3] = {PSD_NO_VALUE, PSD_NO_VALUE, 960};
    const uint8_t flags_lead[3] = {1, 1, 0};
    check_series("leading artefacts", lead, 3, &c, want_lead, flags_lead, 2);
}

static void test_jumps(void) {
    psd_spo2_config c = cfg_with(32768, 40, 3);
    /* A one-sample motion spike (+5.0 %) is rejected, the signal goes on. */
    const int32_t spike[3] = {950, 1000, 952};
    const int32_t want_spike[3] = {950, 950, 952};
    const uint8_t flags_spike[3] = {0, 1, 0};
    check_series("spike", spike, 3, &c, want_spike, flags_spike, 1);
    /* A sustained drop (-15.0 %): rejected twice, accepted (re-seeded) at the third. */
    const int32_t drop[5] = {950, 800, 800, 800, 800};
    const int32_t want_drop[5] = {950, 950, 950, 800, 800};
    const uint8_t flags_drop[5] = {0, 1, 1, 0, 0};
    check_series("sustained drop", drop, 5, &c, want_drop, flags_drop, 2);
    /* An accepted sample in between resets the jump count. */
    const int32_t mixed[5] = {950, 800, 951, 800, 800};
    const int32_t want_mixed[5] = {950, 950, 951, 951, 951};
    const uint8_t flags_mixed[5] = {0, 1, 0, 1, 1};
    check_series("jump count reset", mixed, 5, &c, want_mixed, flags_mixed, 3);
}

static void test_in_place(void) {
    psd_spo2_config c = cfg_with(16384, 40, 5);
    int32_t buf[2] = {900, 920};
    CHECK(psd_spo2_filter(buf, 2, &c, buf, NULL) == 0);
    CHECK(buf[0] == 900 && buf[1] == 910);
}

static void test_build_info(void) {
    const char *info = psd_build_info();
    const char *prefix = "patient-signal-dsp/" PSD_VERSION " arch=";
    CHECK(strncmp(info, prefix, strlen(prefix)) == 0);
    CHECK(strstr(info, " arch=" PSD_EXPECT_ARCH " ") != NULL);
}

int main(void) {
    test_defaults_and_config_checks();
    test_errors();
    test_constant_signal_is_unchanged();
    test_smoothing_half_alpha();
    test_alpha_one_passes_through();
    test_out_of_range_is_held();
    test_jumps();
    test_in_place();
    test_build_info();
    if (failures != 0) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("spo2_filter: all checks passed (%s)\n", psd_build_info());
    return 0;
}
