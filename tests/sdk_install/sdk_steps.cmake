# The steps of the sdk tests, run with `cmake -DSTEP=<install|build|run> ... -P`.
# Each starts from a clean folder so that a file missing from the installed package
# cannot hide behind one left by an earlier run.
cmake_minimum_required(VERSION 3.22)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "failed (${status}): ${command}")
  endif()
endfunction()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE ${PREFIX})
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})

elseif(STEP STREQUAL "build")
  file(REMOVE_RECURSE ${EXAMPLE_BUILD})
  set(options -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
              -DCMAKE_COMPILE_WARNING_AS_ERROR=ON)
  if(MAKE_PROGRAM)
    list(APPEND options -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
  endif()
  run(${CMAKE_COMMAND} -S ${EXAMPLE_SOURCE} -B ${EXAMPLE_BUILD} -G Ninja ${options})
  # The package must come from the prefix just installed, not from anywhere else.
  file(STRINGS ${EXAMPLE_BUILD}/CMakeCache.txt found REGEX "^SonoFlow_DIR:")
  file(REAL_PATH ${PREFIX} prefix_real)
  if(NOT found MATCHES "=${prefix_real}/" AND NOT found MATCHES "=${PREFIX}/")
    message(FATAL_ERROR "find_package(SonoFlow) did not use ${PREFIX}: ${found}")
  endif()
  run(${CMAKE_COMMAND} --build ${EXAMPLE_BUILD})

elseif(STEP STREQUAL "run")
  file(REMOVE ${REPORT})
  set(ENV{SONOFLOW_PLUGIN_PATH} ${EXAMPLE_BUILD})
  run(${SONOFLOW} run ${PIPELINE} --frames 20 --fast --quiet --report ${REPORT})
  file(READ ${REPORT} report)
  set(problems "")
  foreach(check "results;sink;frames;20" "results;sink;gaps;0" "results;sink;missing;0"
                "results;sink;out_of_order;0" "nodes;probe;frames_out;20" "nodes;probe;errors;0")
    list(POP_BACK check want)
    string(JSON got ERROR_VARIABLE error GET "${report}" ${check})
    list(JOIN check "." key)
    if(error)
      string(APPEND problems "\n  ${key}: ${error}")
    elseif(NOT got EQUAL want)
      string(APPEND problems "\n  ${key} is ${got}, expected ${want}")
    endif()
  endforeach()
  if(problems)
    message(FATAL_ERROR "${REPORT}:${problems}\n${report}")
  endif()
  message(STATUS "the sink received 20 frames from acme_probe, with no gap")

else()
  message(FATAL_ERROR "sdk_steps.cmake: unknown STEP '${STEP}'")
endif()
