# The `expand` placeholder options of the command line
# (tests/cli/sigma_placeholder_cli_test.sh).
add_test(NAME cli.sigma_placeholder
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/sigma_placeholder_cli_test.sh
          $<TARGET_FILE:spoor>)
