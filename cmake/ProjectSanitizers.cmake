# project_sanitizers: INTERFACE target carrying -fsanitize=${QBI_SANITIZE} for our code.
# QBI_SANITIZE accepts "address,undefined" or "thread" (they cannot be combined).
add_library(project_sanitizers INTERFACE)
if(QBI_SANITIZE)
  if(QBI_SANITIZE MATCHES "thread" AND QBI_SANITIZE MATCHES "address")
    message(FATAL_ERROR "QBI_SANITIZE: thread cannot be combined with address")
  endif()
  target_compile_options(project_sanitizers INTERFACE
    -fsanitize=${QBI_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(project_sanitizers INTERFACE -fsanitize=${QBI_SANITIZE})
endif()
