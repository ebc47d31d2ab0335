# Cross-compiling for 64-bit Arm Linux with Debian's gcc-aarch64-linux-gnu and g++-aarch64-linux-gnu
# (the tests' CUDA emulator needs a C++ compiler even when it is not run). Programs that CMake or
# ctest runs go through qemu-user; the Criterion suite also needs binfmt_misc for the test
# processes it execs, which tests/cross/aarch64.sh provides.
#
# Libraries come from Debian's arm64 multiarch packages (dpkg --add-architecture arm64) and, for
# those that Debian cannot install beside their amd64 versions (Criterion's libnanomsg5), from
# LINREC_CROSS_ROOT: a folder laid out like / that tests/cross/aarch64-criterion.sh fills.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

set(LINREC_CROSS_ROOT "" CACHE PATH
    "Extra arm64 root (laid out like /) searched before the multiarch folders; empty for none")
# try_compile projects read this file again, in the same process: without the root they would
# reset the pkg-config search below.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES LINREC_CROSS_ROOT)

# pkg-config must never answer with the build machine's (amd64) libraries: a found libopenblas
# would be linked into arm64 programs.
set(multiarch_pc /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
if(LINREC_CROSS_ROOT)
  set(ENV{PKG_CONFIG_LIBDIR} ${LINREC_CROSS_ROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${multiarch_pc})
  # For the linker, which must also find what those libraries need (libcriterion: libnanomsg).
  set(CMAKE_EXE_LINKER_FLAGS_INIT
      "-Wl,-rpath-link,${LINREC_CROSS_ROOT}/usr/lib/aarch64-linux-gnu")
else()
  set(ENV{PKG_CONFIG_LIBDIR} ${multiarch_pc})
endif()

find_program(LINREC_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static
             DOC "qemu-user for aarch64, which runs the cross-built tests" REQUIRED)
# The arm64 loader and libc are the multiarch ones (/lib/ld-linux-aarch64.so.1); -L lays
# LINREC_CROSS_ROOT over / for the emulated program, so its libraries are found as if installed.
if(LINREC_CROSS_ROOT)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${LINREC_QEMU_AARCH64} -L ${LINREC_CROSS_ROOT})
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR ${LINREC_QEMU_AARCH64})
endif()
