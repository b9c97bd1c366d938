# project_warnings: an INTERFACE target linked by our own code only, never by dependencies.
# Warnings are errors only with QBI_WERROR=ON (CI sets it): a user's newer compiler that warns
# about something new must not break their build.
option(QBI_WERROR "Treat compiler warnings in qbi-runner's own code as errors" OFF)
add_library(project_warnings INTERFACE)
target_compile_options(project_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wnull-dereference)
if(QBI_WERROR)
  target_compile_options(project_warnings INTERFACE -Werror)
endif()
