# Runs one malformed-pipeline case and compares what `sonoflow validate` prints on stderr,
# byte for byte, with the case's .expected file. The exit code must be 1 (the pipeline
# was refused; anything else, e.g. a crash or a usage error, fails the case).
#
#   cmake -DSONOFLOW=<path to sonoflow> -DCASES_DIR=<cases folder> -DCASE=<NN_name>
#         [-DOUT_DIR=<folder for NN_name.actual>] -P check_case.cmake
#
# The command runs in CASES_DIR with the file given by name only (NN_name.yaml), so that
# the paths in the messages do not depend on where the source or build tree lies. When
# NN_name.args exists, its lines are passed after the file, one argument per line (blank
# lines are skipped; an argument cannot contain ';').
cmake_minimum_required(VERSION 3.22)
foreach(_var SONOFLOW CASES_DIR CASE)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "check_case.cmake: -D${_var}=... is required")
  endif()
endforeach()

# Only the plugins of the build tree: a plugin found through the environment could add
# node types and change the "did you mean" suggestions.
unset(ENV{SONOFLOW_PLUGIN_PATH})

set(_args "")
if(EXISTS "${CASES_DIR}/${CASE}.args")
  file(STRINGS "${CASES_DIR}/${CASE}.args" _args)
  list(REMOVE_ITEM _args "")
endif()

set(_expected_file "${CASES_DIR}/${CASE}.expected")
if(NOT EXISTS "${_expected_file}")
  message(FATAL_ERROR "${CASE}: no ${CASE}.expected; write it, or run "
                      "tests/bad_pipelines/regenerate.sh and review the result")
endif()
file(READ "${_expected_file}" _expected)

execute_process(
  COMMAND "${SONOFLOW}" validate "${CASE}.yaml" ${_args}
  WORKING_DIRECTORY "${CASES_DIR}"
  RESULT_VARIABLE _rc
  OUTPUT_VARIABLE _stdout
  ERROR_VARIABLE _stderr)

set(_problems "")
if(NOT _rc STREQUAL "1")
  string(APPEND _problems "exit code: expected 1, got '${_rc}'\n")
endif()
if(NOT _stderr STREQUAL _expected)
  string(APPEND _problems "stderr differs from ${CASE}.expected\n")
endif()
if(_problems STREQUAL "")
  return()
endif()

string(JOIN " " _shown_args ${_args})
set(_report "${CASE}: sonoflow validate ${CASE}.yaml ${_shown_args}\n${_problems}")
if(NOT _stderr STREQUAL _expected)
  # A unified diff when `diff` is there; both texts in full in any case.
  if(NOT DEFINED OUT_DIR)
    set(OUT_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  file(MAKE_DIRECTORY "${OUT_DIR}")
  set(_actual_file "${OUT_DIR}/${CASE}.actual")
  file(WRITE "${_actual_file}" "${_stderr}")
  find_program(_diff diff)
  if(_diff)
    execute_process(COMMAND "${_diff}" -u --label "expected: ${CASE}.expected"
                            --label "actual: ${CASE}.actual" "${_expected_file}" "${_actual_file}"
                    OUTPUT_VARIABLE _diff_text)
    string(APPEND _report "--- diff -u\n${_diff_text}")
  endif()
  string(APPEND _report "--- expected (${_expected_file})\n${_expected}"
                        "--- actual (${_actual_file})\n${_stderr}")
endif()
if(NOT _stdout STREQUAL "")
  string(APPEND _report "--- stdout\n${_stdout}")
endif()
# NOTICE prints the texts as they are (FATAL_ERROR would re-wrap them).
message(NOTICE "${_report}")
message(FATAL_ERROR "${CASE}: failed")
