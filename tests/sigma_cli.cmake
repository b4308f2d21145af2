# The Sigma options of the command line (tests/cli/sigma_cli_test.sh).
add_test(NAME cli.sigma
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/sigma_cli_test.sh
          $<TARGET_FILE:spoor>)
set_tests_properties(cli.sigma PROPERTIES LABELS threads)
