/* The cuda plugin's kernels and shape rule, compiled for the host emulation. */
#include "device.h"

#include "scan.cuh"

namespace
{

bool on_device(const void *address)
{
    return !address || linrec_emulator::is_device_memory(address);
}

template <typename T> bool linrec_emulator_device_arguments(const Arrays<T> &arr)
{
    return on_device(arr.a) && on_device(arr.v) && on_device(arr.h0) && on_device(arr.h) &&
           on_device(arr.out) && on_device(arr.da) && on_device(arr.dh0);
}

template <typename T> bool linrec_emulator_device_arguments(const TileStates<T> &ts)
{
    return on_device(ts.counter) && on_device(ts.flags) && on_device(ts.maps) &&
           on_device(ts.states);
}

} // namespace

#include "dispatch.cu"
