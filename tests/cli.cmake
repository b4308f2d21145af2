# CLI tests: exit codes, formats, case directory, hostile strings.
add_test(NAME cli.spoor
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/cli_test.sh $<TARGET_FILE:spoor>
          ${CMAKE_SOURCE_DIR})
