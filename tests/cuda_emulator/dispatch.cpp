/* The cuda plugin's kernels and shape rule, compiled for the host emulation. */
#include "device.h"

#include "dispatch.cu"
