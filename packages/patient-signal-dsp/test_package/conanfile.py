"""Conan test_package: links the packaged static library into a program and,
when the host can run it, checks that the binary reports the package's arch."""

import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, cmake_layout


class TestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "CMakeToolchain"

    def configure(self):
        self.settings.rm_safe("compiler.libcxx")
        self.settings.rm_safe("compiler.cppstd")

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def build(self):
        cmake = CMake(self)
        cmake.configure(variables={"PSD_EXPECT_ARCH": str(self.settings.arch)})
        cmake.build()

    def test(self):
        # Cross builds run under an emulator when the profile names one
        # (user.psd:emulator, e.g. "qemu-aarch64-static -L /usr/aarch64-linux-gnu").
        if can_run(self):
            emulator = self.conf.get("user.psd:emulator", default="")
            binary = os.path.join(self.cpp.build.bindir, "test_package")
            self.run(f"{emulator} {binary}".strip(), env="conanrun")
