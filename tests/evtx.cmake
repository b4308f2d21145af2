# tests/evtx.cmake - EVTX helpers (included by tests/CMakeLists.txt):
# evtx_dump (spoor's EVTX reader, events as JSON lines, or -c to parse and
# count for the benchmark) and evtxgen (the EVTX writer of tools/evtxgen,
# for fixtures, fuzz seeds and the benchmark corpus); the writer is linked
# into the unit tests test_evtx*.
if(EXISTS ${CMAKE_SOURCE_DIR}/tools/evtxgen/evtxgen.c)
add_library(spoor_evtxwrite STATIC ${CMAKE_SOURCE_DIR}/tools/evtxgen/evtxwrite.c
            ${CMAKE_SOURCE_DIR}/tools/evtxgen/evtxsimple.c)
target_include_directories(spoor_evtxwrite PUBLIC ${CMAKE_SOURCE_DIR}/tools/evtxgen)
target_link_libraries(spoor_evtxwrite PUBLIC ZLIB::ZLIB)

endif()
add_executable(evtx_dump ${CMAKE_CURRENT_SOURCE_DIR}/evtx/evtx_dump.c)
target_link_libraries(evtx_dump PRIVATE spoorlib)

if(TARGET spoor_evtxwrite)
add_executable(evtxgen ${CMAKE_SOURCE_DIR}/tools/evtxgen/evtxgen.c)
target_link_libraries(evtxgen PRIVATE spoor_evtxwrite)

endif()
if(TARGET spoor_evtxwrite)
foreach(t IN ITEMS test_evtx test_evtx_shared test_evtx_plan test_windows)
  if(TARGET ${t})
    target_link_libraries(${t} PRIVATE spoor_evtxwrite)
  endif()
endforeach()
endif()

# spoor against python-evtx on EVTX-ATTACK-SAMPLES (minutes: python-evtx is
# slow, so labelled slow: the sanitizer run leaves it out; the plain run
# has it); skipped without ../shared or without python3-evtx.
add_test(NAME evtx.python_evtx
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/evtx/pyevtx_test.sh
          $<TARGET_FILE:evtx_dump> ${SPOOR_SHARED_DIR})
set_tests_properties(evtx.python_evtx PROPERTIES
  SKIP_RETURN_CODE 77 LABELS "shared;slow" TIMEOUT 1500)
