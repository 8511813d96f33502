/* Consumer check: the packaged header and library link, filter a probe-off
 * sample as an artefact, and report the arch the package was built for. */
#include <stdio.h>
#include <string.h>

#include "patient_signal_dsp.h"

int main(void) {
    psd_spo2_config cfg = psd_spo2_default_config();
    const int32_t in[3] = {970, 0, 970};
    int32_t out[3];
    uint8_t flags[3];
    int64_t flagged = psd_spo2_filter(in, 3, &cfg, out, flags);
    const char *info = psd_build_info();
    printf("%s\n", info);
    if (flagged != 1 || flags[1] != 1 || out[1] != 970) {
        fprintf(stderr, "test_package: probe-off sample not flagged (flagged=%lld)\n", (long long)flagged);
        return 1;
    }
    if (strstr(info, " arch=" PSD_EXPECT_ARCH " build=conan") == NULL) {
        fprintf(stderr, "test_package: build info '%s' is not arch=%s build=conan\n", info, PSD_EXPECT_ARCH);
        return 1;
    }
    return 0;
}
