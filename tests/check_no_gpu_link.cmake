# Fails when LIBRARY (liblinrec, or the cuda plugin with its runtime inside) has a DT_NEEDED entry
# on a CUDA or OpenCL library, or (liblinrec_mpi is the only part that needs it) on MPI.
execute_process(COMMAND readelf -d ${LIBRARY} OUTPUT_VARIABLE dynamic RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "readelf -d ${LIBRARY} failed")
endif()
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*" needed "${dynamic}")
foreach(entry IN LISTS needed)
  if(entry MATCHES "cuda|cudart|OpenCL|nvrtc|libmpi")
    message(FATAL_ERROR "${LIBRARY} links a GPU runtime or MPI: ${entry}")
  endif()
endforeach()
message(STATUS "${LIBRARY} needs only: ${needed}")
