# generated_case.cmake - generate the synthetic compromise with spoor-gen and
# check spoor's findings against the generator's truth.tsv.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${GEN} case ${OUT} --seed 7 RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "spoor-gen case failed: ${rc}")
endif()
execute_process(COMMAND ${RUNNER} --truth --baseline ${OUT}/baseline ${OUT}
                        ${OUT}/truth.tsv RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "findings differ from truth.tsv")
endif()
