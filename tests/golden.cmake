# Golden tests: evidence in, expected findings out (tests/golden/*), and the
# integration test over ../shared/data/exchange (skipped when absent, failed
# when absent in CI). The runner hunts with two workers: all are "threads".
add_executable(golden_runner ${CMAKE_CURRENT_SOURCE_DIR}/golden/golden_runner.c)
target_link_libraries(golden_runner PRIVATE spoorlib)
target_include_directories(golden_runner PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)

add_test(NAME golden.exchange_basic
  COMMAND golden_runner --exact ${CMAKE_CURRENT_SOURCE_DIR}/golden/exchange_basic
          ${CMAKE_CURRENT_SOURCE_DIR}/golden/exchange_basic.expected.tsv)
set_tests_properties(golden.exchange_basic PROPERTIES LABELS threads)
add_test(NAME golden.public_requests
  COMMAND golden_runner --exact ${CMAKE_CURRENT_SOURCE_DIR}/golden/public_requests
          ${CMAKE_CURRENT_SOURCE_DIR}/golden/public_requests.expected.tsv)
set_tests_properties(golden.public_requests PROPERTIES LABELS threads)

add_test(NAME integration.shared_exchange_logs
  COMMAND golden_runner --truth --shared-data
          ${SPOOR_SHARED_DIR}/data/exchange/fixtures/logs
          ${CMAKE_CURRENT_SOURCE_DIR}/integration/shared_exchange_logs.tsv)
set_tests_properties(integration.shared_exchange_logs PROPERTIES
  SKIP_RETURN_CODE 77 LABELS "shared;threads")

if(TARGET spoor-gen)
  add_test(NAME golden.generated_case
    COMMAND ${CMAKE_COMMAND} -DGEN=$<TARGET_FILE:spoor-gen>
            -DRUNNER=$<TARGET_FILE:golden_runner>
            -DOUT=${CMAKE_CURRENT_BINARY_DIR}/generated_case
            -P ${CMAKE_CURRENT_SOURCE_DIR}/golden/generated_case.cmake)
  set_tests_properties(golden.generated_case PROPERTIES LABELS threads)
endif()
