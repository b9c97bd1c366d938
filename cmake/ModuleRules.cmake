cmake_policy(SET CMP0057 NEW)  # IN_LIST, also in script mode
# The dependency rule of design §2, enforced: a module of runner/ may use (link, and include
# headers of) only the modules listed for it here. Dependencies point one way:
#   cli -> demo -> app -> engine, discovery -> queue / api / jobs -> core;  sim -> api -> core;
#   engine, app -> metrics -> api -> core (the in-memory metrics and their HTTP endpoint).
# (discovery turns read answers into follow-up tasks; app hands it to the engine as a hook, so
# the engine stays generic.)
# qbi_check_module(NAME DEPS...) fails the configuration when DEPS names a module NAME must not
# use, or when one of NAME's sources includes "runner/<other>/..." for a module not in DEPS.
set(QBI_ALLOWED_core "")
set(QBI_ALLOWED_api core)
set(QBI_ALLOWED_jobs core)
set(QBI_ALLOWED_queue core)
set(QBI_ALLOWED_metrics core api)
set(QBI_ALLOWED_discovery core api jobs queue)
set(QBI_ALLOWED_engine core api queue metrics)
set(QBI_ALLOWED_app core api jobs queue discovery metrics engine)
set(QBI_ALLOWED_demo core api jobs queue discovery metrics engine app)
set(QBI_ALLOWED_cli core api jobs queue discovery metrics engine app demo)
set(QBI_ALLOWED_sim core api)

function(qbi_check_module name source_dir)
  set(deps ${ARGN})
  if(NOT DEFINED QBI_ALLOWED_${name})
    message(FATAL_ERROR "runner/${name}: not a module of design §2 (add it to cmake/ModuleRules.cmake)")
  endif()
  foreach(dep ${deps})
    if(NOT dep IN_LIST QBI_ALLOWED_${name})
      message(FATAL_ERROR "runner/${name} must not depend on runner/${dep} "
                          "(allowed: ${QBI_ALLOWED_${name}}; see cmake/ModuleRules.cmake)")
    endif()
  endforeach()
  file(GLOB files ${source_dir}/*.cpp ${source_dir}/*.h ${source_dir}/*.in)
  foreach(f ${files})
    file(STRINGS ${f} includes REGEX "^#include \"runner/[a-z_]+/")
    foreach(line ${includes})
      string(REGEX REPLACE "^#include \"runner/([a-z_]+)/.*" "\\1" used "${line}")
      if(NOT used STREQUAL name AND NOT used IN_LIST deps)
        get_filename_component(fname ${f} NAME)
        message(FATAL_ERROR "runner/${name}/${fname} includes runner/${used}/, which runner/${name} "
                            "does not depend on (declared: ${deps}; allowed: ${QBI_ALLOWED_${name}})")
      endif()
    endforeach()
  endforeach()
endfunction()

# Script mode, for the test that proves the check bites:
#   cmake -DMODULE=cli -DDEPS=sim -DSOURCE_DIR=... -P cmake/ModuleRules.cmake
if(CMAKE_SCRIPT_MODE_FILE AND DEFINED MODULE)
  cmake_policy(SET CMP0057 NEW)
  string(REPLACE "," ";" dep_list "${DEPS}")
  qbi_check_module(${MODULE} "${SOURCE_DIR}" ${dep_list})
endif()
