# One run of a needle pipeline for the accuracy tests: a fresh run directory (no stale
# report or CSV can pass for this run's), then `sonoflow run` writing report.json and a
# per-frame CSV per evaluator into it. Fails, with sonoflow's output, when the run does.
#   cmake -DSONOFLOW=... -DPIPELINE=... -DDIR=... -DFRAMES=N -DEVALS="a|b" -DSETS="k=v|..." -P run.cmake
string(REPLACE "|" ";" EVALS "${EVALS}")
string(REPLACE "|" ";" SETS "${SETS}")
file(REMOVE_RECURSE ${DIR})
file(MAKE_DIRECTORY ${DIR})
set(_args run ${PIPELINE} --fast -q --frames ${FRAMES} --report ${DIR}/report.json)
foreach(_eval IN LISTS EVALS)
  list(APPEND _args --set ${_eval}.csv_path=${DIR}/${_eval}.csv)
endforeach()
foreach(_set IN LISTS SETS)
  list(APPEND _args --set ${_set})
endforeach()
execute_process(COMMAND ${SONOFLOW} ${_args} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out
                ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "sonoflow ${_args}\nexited ${_rc}\n${_out}${_err}")
endif()
if(NOT EXISTS ${DIR}/report.json)
  message(FATAL_ERROR "sonoflow ${_args}\nwrote no report\n${_out}${_err}")
endif()
