# Network analytics on the project's own generated data (spoor-gen net): the
# planted cases are found and the benign periodic traffic ranks below them.
# A regression test of spoor against its own generator, not outside truth.
if(TARGET spoor-gen)
  add_test(NAME net.generated
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/net/net_gen_test.sh
            $<TARGET_FILE:spoor-gen> $<TARGET_FILE:spoor>
            ${CMAKE_CURRENT_BINARY_DIR}/net_generated)
  set_tests_properties(net.generated PROPERTIES LABELS threads)
endif()
