# report.html in headless Chromium: console clean, no evidence payload runs,
# a screenshot is taken. Skipped (77) without chromium unless CI=true.
add_test(NAME report.browser
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/report/report_test.sh
          $<TARGET_FILE:spoor> ${CMAKE_SOURCE_DIR})
set_tests_properties(report.browser PROPERTIES SKIP_RETURN_CODE 77 LABELS threads)
