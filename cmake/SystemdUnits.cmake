# The systemd units of systemd/, with the install locations put in: ExecStart= names the
# installed binary (BINDIR) and Documentation= the installed README (DOCDIR), whatever the
# prefix. The sources name /usr/local/bin and /usr/local/share/doc/qbi-runner.
#
# From CMakeLists.txt: include() it and call qbi_configure_units(). As a script (the unit
# test uses it): cmake -DSOURCE_DIR=<repo> -DOUTPUT_DIR=<dir> -DBINDIR=<dir> -DDOCDIR=<dir>
#                      -P cmake/SystemdUnits.cmake
function(qbi_configure_units source_dir output_dir bindir docdir)
  foreach(unit qbi-runner.service qbi-runner-batch.service qbi-runner-batch.timer)
    file(READ ${source_dir}/systemd/${unit} unit_text)
    string(REPLACE "/usr/local/bin/qbi-runner" "${bindir}/qbi-runner" unit_text "${unit_text}")
    string(REPLACE "file:///usr/local/share/doc/qbi-runner/" "file://${docdir}/" unit_text
           "${unit_text}")
    file(WRITE ${output_dir}/${unit} "${unit_text}")
  endforeach()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  foreach(var SOURCE_DIR OUTPUT_DIR BINDIR DOCDIR)
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "SystemdUnits.cmake: pass -D${var}=...")
    endif()
  endforeach()
  qbi_configure_units(${SOURCE_DIR} ${OUTPUT_DIR} ${BINDIR} ${DOCDIR})
endif()
