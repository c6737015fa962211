# Helpers for the CLI integration tests (run with `cmake -P`): run the real `sonoflow`
# binary, then check its exit code, its output and the JSON it writes. A failed check is
# reported with message(SEND_ERROR), which lets the script go on and report every failed
# check at once, and still makes `cmake -P` exit non-zero.
#
# Variables every script gets from tests/cli/CMakeLists.txt:
#   SONOFLOW   the sonoflow binary
#   PIPELINES  tests/cli/pipelines
#   WORK       a directory of this test's own (emptied here)
#   CASE       which case of the script to run (scripts with several)
cmake_minimum_required(VERSION 3.22)

foreach(_var SONOFLOW PIPELINES WORK)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "cli test: -D${_var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${SONOFLOW}")
  message(FATAL_ERROR "cli test: no sonoflow binary at '${SONOFLOW}' (build it first)")
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(cli_fail text)
  message(SEND_ERROR "${text}")
endfunction()

# run_sonoflow(<p> [TIMEOUT s] args...): runs `sonoflow args...` in WORK; sets <p>_rc,
# <p>_out, <p>_err and <p>_cmd. The timeout (default 60 s) only bounds a hung run: no
# test asserts how long anything takes.
function(run_sonoflow p)
  cmake_parse_arguments(PARSE_ARGV 1 _a "" "TIMEOUT" "")
  if(NOT _a_TIMEOUT)
    set(_a_TIMEOUT 60)
  endif()
  execute_process(
    COMMAND "${SONOFLOW}" ${_a_UNPARSED_ARGUMENTS}
    WORKING_DIRECTORY "${WORK}"
    TIMEOUT ${_a_TIMEOUT}
    RESULT_VARIABLE _rc
    OUTPUT_VARIABLE _out
    ERROR_VARIABLE _err)
  string(REPLACE ";" " " _cmd "sonoflow;${_a_UNPARSED_ARGUMENTS}")
  set(${p}_rc "${_rc}" PARENT_SCOPE)
  set(${p}_out "${_out}" PARENT_SCOPE)
  set(${p}_err "${_err}" PARENT_SCOPE)
  set(${p}_cmd "${_cmd}" PARENT_SCOPE)
endfunction()

# What a failed check about run <p> prints: the command, its exit code and its output.
function(_cli_context p out)
  set(${out}
      "\n  command: ${${p}_cmd}\n  exit code: ${${p}_rc}\n  --- stdout ---\n${${p}_out}\n  --- stderr ---\n${${p}_err}"
      PARENT_SCOPE)
endfunction()

function(expect_rc p expected)
  if(NOT "${${p}_rc}" STREQUAL "${expected}")
    _cli_context(${p} ctx)
    cli_fail("expected exit code ${expected}, got '${${p}_rc}'${ctx}")
  endif()
endfunction()

# expect_contains(<p> out|err <text>): the run's stdout/stderr contains <text> literally.
function(expect_contains p stream text)
  string(FIND "${${p}_${stream}}" "${text}" pos)
  if(pos EQUAL -1)
    _cli_context(${p} ctx)
    cli_fail("expected std${stream} to contain:\n    ${text}${ctx}")
  endif()
endfunction()

function(expect_not_contains p stream text)
  string(FIND "${${p}_${stream}}" "${text}" pos)
  if(NOT pos EQUAL -1)
    _cli_context(${p} ctx)
    cli_fail("expected std${stream} NOT to contain:\n    ${text}${ctx}")
  endif()
endfunction()

# expect_matches(<p> out|err <regex>): the run's stdout/stderr matches a CMake regex.
function(expect_matches p stream regex)
  if(NOT "${${p}_${stream}}" MATCHES "${regex}")
    _cli_context(${p} ctx)
    cli_fail("expected std${stream} to match the regex:\n    ${regex}${ctx}")
  endif()
endfunction()

function(expect_not_matches p stream regex)
  if("${${p}_${stream}}" MATCHES "${regex}")
    _cli_context(${p} ctx)
    cli_fail("expected std${stream} NOT to match the regex:\n    ${regex}${ctx}")
  endif()
endfunction()

# --- JSON ---------------------------------------------------------------------------
# The JSON helpers take the *name* of a variable that holds the document, and a path of
# member names / array indices. JSON_WHAT (set by the caller) names the document.

# read_json(<var> <file>): reads a JSON file; a missing or malformed file is a failure.
function(read_json var file)
  set(${var} "" PARENT_SCOPE)
  if(NOT EXISTS "${file}")
    cli_fail("expected the file '${file}' to exist")
    return()
  endif()
  file(READ "${file}" text)
  string(JSON type ERROR_VARIABLE err TYPE "${text}")
  if(err OR NOT type STREQUAL "OBJECT")
    cli_fail("'${file}' is not a JSON object (${err}):\n${text}")
    return()
  endif()
  set(${var} "${text}" PARENT_SCOPE)
endfunction()

# expect_json_object(<var> <text> <what>): <text> is a JSON object (e.g. a command's stdout).
function(expect_json_object var text what)
  set(${var} "" PARENT_SCOPE)
  string(JSON type ERROR_VARIABLE err TYPE "${text}")
  if(err OR NOT type STREQUAL "OBJECT")
    cli_fail("${what} is not a JSON object (${err}):\n${text}")
    return()
  endif()
  set(${var} "${text}" PARENT_SCOPE)
endfunction()

# json_get(<out> <jsonvar> path...): the value at path, or "" (and a failure) if missing.
function(json_get out jsonvar)
  string(JSON value ERROR_VARIABLE err GET "${${jsonvar}}" ${ARGN})
  if(err)
    string(REPLACE ";" "." where "${ARGN}")
    cli_fail("${JSON_WHAT}: no '${where}' (${err})")
    set(value "")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# json_type(<out> <jsonvar> path...): NULL, NUMBER, STRING, BOOLEAN, ARRAY, OBJECT or "".
function(json_type out jsonvar)
  string(JSON type ERROR_VARIABLE err TYPE "${${jsonvar}}" ${ARGN})
  if(err)
    set(type "")
  endif()
  set(${out} "${type}" PARENT_SCOPE)
endfunction()

function(json_length out jsonvar)
  string(JSON n ERROR_VARIABLE err LENGTH "${${jsonvar}}" ${ARGN})
  if(err)
    string(REPLACE ";" "." where "${ARGN}")
    cli_fail("${JSON_WHAT}: '${where}' is not an array or object (${err})")
    set(n 0)
  endif()
  set(${out} "${n}" PARENT_SCOPE)
endfunction()

# expect_json_type(<jsonvar> <TYPE> path...)
function(expect_json_type jsonvar expected)
  json_type(type ${jsonvar} ${ARGN})
  if(NOT type STREQUAL expected)
    string(REPLACE ";" "." where "${ARGN}")
    if(type STREQUAL "")
      cli_fail("${JSON_WHAT}: '${where}' is missing (expected a ${expected})")
    else()
      cli_fail("${JSON_WHAT}: '${where}' is a ${type}, expected a ${expected}")
    endif()
  endif()
endfunction()

# expect_json_eq(<jsonvar> <expected> path...): string comparison of the value.
function(expect_json_eq jsonvar expected)
  string(JSON value ERROR_VARIABLE err GET "${${jsonvar}}" ${ARGN})
  string(REPLACE ";" "." where "${ARGN}")
  if(err)
    cli_fail("${JSON_WHAT}: no '${where}' (expected '${expected}')")
  elseif(NOT "${value}" STREQUAL "${expected}")
    cli_fail("${JSON_WHAT}: '${where}' is '${value}', expected '${expected}'")
  endif()
endfunction()

# expect_num(<what> <a> <op> <b>): numeric comparison, op one of LESS, LESS_EQUAL,
# EQUAL, GREATER_EQUAL, GREATER; both sides must be numbers.
function(expect_num what a op b)
  set(number "^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$")
  if(NOT "${a}" MATCHES "${number}" OR NOT "${b}" MATCHES "${number}")
    cli_fail("${JSON_WHAT}: ${what}: expected numbers, got '${a}' ${op} '${b}'")
  elseif(NOT "${a}" ${op} "${b}")
    cli_fail("${JSON_WHAT}: ${what}: expected ${a} ${op} ${b}")
  endif()
endfunction()

# expect_json_num(<jsonvar> <op> <value> path...): the number at path compared to value.
function(expect_json_num jsonvar op expected)
  expect_json_type(${jsonvar} NUMBER ${ARGN})
  string(JSON value ERROR_VARIABLE err GET "${${jsonvar}}" ${ARGN})
  if(NOT err)
    string(REPLACE ";" "." where "${ARGN}")
    expect_num("${where}" "${value}" ${op} "${expected}")
  endif()
endfunction()

# json_array_find(<out> <jsonvar> <key> <value> path...): index of the element of the
# array at path whose member <key> is <value>, or -1.
function(json_array_find out jsonvar key value)
  set(found -1)
  string(JSON n ERROR_VARIABLE err LENGTH "${${jsonvar}}" ${ARGN})
  if(NOT err AND n GREATER 0)
    math(EXPR last "${n} - 1")
    foreach(i RANGE ${last})
      string(JSON v ERROR_VARIABLE err2 GET "${${jsonvar}}" ${ARGN} ${i} ${key})
      if(NOT err2 AND "${v}" STREQUAL "${value}")
        set(found ${i})
        break()
      endif()
    endforeach()
  endif()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

# expect_report_shape(<jsonvar> <node ids...>): every field DESIGN.md promises in a
# --report file, with the right types and consistent percentiles.
function(expect_report_shape jsonvar)
  expect_json_type(${jsonvar} STRING pipeline)
  expect_json_type(${jsonvar} NUMBER frames)
  expect_json_num(${jsonvar} GREATER 0 duration_s)
  expect_json_num(${jsonvar} GREATER 0 fps)
  foreach(p p50 p99 max)
    expect_json_num(${jsonvar} GREATER_EQUAL 0 latency_ms ${p})
  endforeach()
  string(JSON p50 ERROR_VARIABLE e1 GET "${${jsonvar}}" latency_ms p50)
  string(JSON p99 ERROR_VARIABLE e2 GET "${${jsonvar}}" latency_ms p99)
  string(JSON max ERROR_VARIABLE e3 GET "${${jsonvar}}" latency_ms max)
  if(NOT e1 AND NOT e2 AND NOT e3)
    expect_num("latency_ms.p50 <= latency_ms.p99" "${p50}" LESS_EQUAL "${p99}")
    expect_num("latency_ms.p99 <= latency_ms.max" "${p99}" LESS_EQUAL "${max}")
  endif()
  expect_json_type(${jsonvar} OBJECT nodes)
  json_length(count ${jsonvar} nodes)
  list(LENGTH ARGN expected_count)
  if(NOT count EQUAL expected_count)
    cli_fail("${JSON_WHAT}: 'nodes' has ${count} entries, expected ${expected_count} (${ARGN})")
  endif()
  foreach(id IN LISTS ARGN)
    expect_json_type(${jsonvar} STRING nodes ${id} type)
    foreach(field frames_in frames_out dropped errors)
      expect_json_num(${jsonvar} GREATER_EQUAL 0 nodes ${id} ${field})
    endforeach()
    expect_json_num(${jsonvar} GREATER_EQUAL 0 nodes ${id} process_ms p50)
    expect_json_num(${jsonvar} GREATER_EQUAL 0 nodes ${id} process_ms p99)
    string(JSON a ERROR_VARIABLE e1 GET "${${jsonvar}}" nodes ${id} process_ms p50)
    string(JSON b ERROR_VARIABLE e2 GET "${${jsonvar}}" nodes ${id} process_ms p99)
    if(NOT e1 AND NOT e2)
      expect_num("nodes.${id}.process_ms.p50 <= p99" "${a}" LESS_EQUAL "${b}")
    endif()
  endforeach()
  expect_json_type(${jsonvar} OBJECT results)
  expect_json_type(${jsonvar} ARRAY errors)
endfunction()

# expect_nothing_lost(<jsonvar> <source id> <lossless sink id>): the sink saw every frame
# the source emitted, in order, with no gap.
function(expect_nothing_lost jsonvar src sink)
  json_get(emitted ${jsonvar} nodes ${src} frames_out)
  expect_num("nodes.${src}.frames_out (frames the source emitted)" "${emitted}" GREATER 0)
  json_get(seen ${jsonvar} results ${sink} frames)
  expect_num("results.${sink}.frames == nodes.${src}.frames_out" "${seen}" EQUAL "${emitted}")
  json_get(seen_in ${jsonvar} nodes ${sink} frames_in)
  expect_num("nodes.${sink}.frames_in == nodes.${src}.frames_out" "${seen_in}" EQUAL "${emitted}")
  expect_json_eq(${jsonvar} 0 results ${sink} gaps)
  expect_json_eq(${jsonvar} 0 results ${sink} missing)
  expect_json_eq(${jsonvar} 0 results ${sink} out_of_order)
  expect_json_eq(${jsonvar} 0 nodes ${sink} dropped)
endfunction()
