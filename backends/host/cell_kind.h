/* One element kind's cells, for cell_kernels.h: the gates and the scan, which compute in REAL. */
#define REAL E_REAL
#include "cell_gates.h"
#include "cell_scan.h"
#undef REAL
