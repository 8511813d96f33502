"""Conan 2 recipe of patient-signal-dsp: a static C library (fixed-point SpO2 filter).

One binary per Conan `arch` (x86_64 for linux/amd64, armv8 for linux/arm64). The
library is plain C99 and calls nothing from libc, so the package id ignores the
compiler version: a binary built with Debian 12's gcc 12 is the one a gcc 14
consumer gets (the C ABI does not change between them). The arch stays in the id.
"""

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout
from conan.tools.files import copy


class PatientSignalDspConan(ConanFile):
    name = "patient-signal-dsp"
    version = "0.1.0"
    package_type = "static-library"
    license = "Apache-2.0"
    author = "patient-risk maintainers"
    url = "https://github.com/tirosh-chain/guide"
    description = "Fixed-point SpO2 artefact rejection and smoothing (static C library)"
    topics = ("spo2", "signal", "fixed-point", "filter")
    settings = "os", "arch", "compiler", "build_type"
    options = {"fPIC": [True, False]}
    # fPIC: the Rust signal core links it into a Python extension module (a shared object).
    default_options = {"fPIC": True}
    exports_sources = "CMakeLists.txt", "include/*", "src/*", "tests/*"

    def configure(self):
        # A C library: no C++ standard library or standard in its ABI.
        self.settings.rm_safe("compiler.libcxx")
        self.settings.rm_safe("compiler.cppstd")

    def validate(self):
        from conan.errors import ConanInvalidConfiguration

        if str(self.settings.arch) not in ("x86_64", "armv8"):
            raise ConanInvalidConfiguration(
                f"{self.ref}: arch={self.settings.arch} is not built; use arch=x86_64 (linux/amd64) or arch=armv8 (linux/arm64)"
            )

    def package_id(self):
        # Plain C without libc calls: one binary serves every gcc/clang version.
        self.info.settings.rm_safe("compiler.version")

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["PSD_ARCH"] = str(self.settings.arch)
        tc.cache_variables["PSD_BUILD"] = "conan"
        tc.cache_variables["PSD_BUILD_TESTS"] = self._run_tests
        tc.generate()

    @property
    def _run_tests(self):
        # Unit tests run where the binaries can run: natively, or cross under QEMU
        # when the profile says so (tools.build.cross_building:can_run=True).
        skip = self.conf.get("tools.build:skip_test", default=False, check_type=bool)
        return can_run(self) and not skip

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()
        if self._run_tests:
            cmake.test()

    def package(self):
        copy(self, "LICENSE*", self.source_folder, self.package_folder)
        cmake = CMake(self)
        cmake.install()

    def package_info(self):
        self.cpp_info.libs = ["patient_signal_dsp"]
        self.cpp_info.set_property("cmake_file_name", "patient-signal-dsp")
        self.cpp_info.set_property("cmake_target_name", "patient-signal-dsp::patient-signal-dsp")
        self.cpp_info.set_property("pkg_config_name", "patient-signal-dsp")
