# CLI tests: exit codes, formats, case directory, hostile strings; and the
# CLI on the shared test data (skipped when absent, failed when absent in CI).
# spoor runs with its default worker count (all cores) or -j 2: "threads".
add_test(NAME cli.spoor
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/cli_test.sh $<TARGET_FILE:spoor>
          ${CMAKE_SOURCE_DIR})
set_tests_properties(cli.spoor PROPERTIES LABELS threads)

add_test(NAME cli.shared
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/cli_shared_test.sh
          $<TARGET_FILE:spoor> ${CMAKE_SOURCE_DIR} ${SPOOR_SHARED_DIR})
set_tests_properties(cli.shared PROPERTIES
  SKIP_RETURN_CODE 77 LABELS "shared;threads")
