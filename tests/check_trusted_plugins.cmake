# An installed liblinrec must load plugins only from LINREC_BACKEND_PATH's absolute folders and its
# own <libdir>/linrec, never from the build tree it was built in. Installs the build into
# WORK_DIR/prefix, removes the installed plugins (a CPU-only install) and checks, with the build
# tree's plugins still in place, that none is loaded and that the reason names only the installed
# folder; then that empty and relative entries of LINREC_BACKEND_PATH are ignored with a note.
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
                RESULT_VARIABLE failed OUTPUT_QUIET ERROR_VARIABLE out)
if(failed)
  message(FATAL_ERROR "install failed:\n${out}")
endif()

file(GLOB_RECURSE installed_library ${prefix}/*/liblinrec.so.*.*.*)
get_filename_component(libdir ${installed_library} DIRECTORY)
set(build_plugin_dir ${BUILD_DIR}/lib/linrec)
file(GLOB build_plugins ${build_plugin_dir}/liblinrec_*.so)
if(NOT build_plugins)
  message(FATAL_ERROR "the build tree has no plugin in ${build_plugin_dir}, so this check "
                      "would prove nothing")
endif()
file(REMOVE_RECURSE ${libdir}/linrec)

file(STRINGS ${installed_library} baked REGEX "${build_plugin_dir}")
if(baked)
  message(FATAL_ERROR "the installed liblinrec holds the build tree's path: ${baked}")
endif()

# Runs the installed `linrec info` with `env` (VAR=value...) and LINREC_VERBOSE=1 into `out`.
function(installed_info out)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env --unset=LINREC_BACKEND_PATH LINREC_VERBOSE=1
            LINREC_BACKEND=opencl ${ARGN} ${prefix}/bin/linrec info
    WORKING_DIRECTORY ${BUILD_DIR}/lib
    OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  set(${out} "${stdout}${stderr}" PARENT_SCOPE)
endfunction()

# Fails unless `text` contains `fragment`, or (with NOT) does not.
function(expect text fragment)
  cmake_parse_arguments(PARSE_ARGV 2 arg "NOT" "" "")
  string(FIND "${text}" "${fragment}" at)
  if(arg_NOT AND NOT at EQUAL -1)
    message(FATAL_ERROR "unexpected \"${fragment}\" in:\n${text}")
  elseif(NOT arg_NOT AND at EQUAL -1)
    message(FATAL_ERROR "no \"${fragment}\" in:\n${text}")
  endif()
endfunction()

installed_info(plain)
expect("${plain}" "${build_plugin_dir}" NOT)
expect("${plain}" "not found in ${libdir}/linrec (")
expect("${plain}" "LINREC_BACKEND selects nothing usable")

# Run from the build tree's lib folder, so that the relative entry would find its plugins.
installed_info(relative LINREC_BACKEND_PATH=:linrec)
expect("${relative}" "ignoring an empty entry")
expect("${relative}" "ignoring the relative entry \"linrec\"")
expect("${relative}" "not found in ${libdir}/linrec (")
expect("${relative}" "LINREC_BACKEND selects nothing usable")

installed_info(absolute LINREC_BACKEND_PATH=/nonexistent-linrec-folder:${build_plugin_dir})
expect("${absolute}" "LINREC_BACKEND selects: opencl")
