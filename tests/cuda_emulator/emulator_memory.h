/*
 * What the emulated device and pinned memory hold, for tests that check that the cuda plugin
 * gives back everything it took (tests/out_of_memory). The one symbol that the emulated plugin
 * exports besides its entry point: a test finds it with dlsym on the plugin's handle.
 */
#ifndef LINREC_TESTS_CUDA_EMULATOR_EMULATOR_MEMORY_H
#define LINREC_TESTS_CUDA_EMULATOR_EMULATOR_MEMORY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes are those charged against the budget: each allocation rounded up to 256 bytes. */
typedef struct linrec_emulator_memory_usage {
    size_t device_bytes, device_allocations;
    size_t pinned_bytes, pinned_allocations;
} linrec_emulator_memory_usage;

#define LINREC_EMULATOR_MEMORY_SYMBOL "linrec_emulator_memory"
__attribute__((visibility("default"))) void
linrec_emulator_memory(linrec_emulator_memory_usage *usage);

#ifdef __cplusplus
}
#endif

#endif /* LINREC_TESTS_CUDA_EMULATOR_EMULATOR_MEMORY_H */
