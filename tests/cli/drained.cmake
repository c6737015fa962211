# The report of a run stopped by a signal: complete, no fatal error, and the lossless
# sink saw every frame the source emitted (the queued ones were drained, not dropped).
# -DREPORT=..., -DSOURCE=<source node id>, -DSINK=<lossless test_sink node id>.
include(${CMAKE_CURRENT_LIST_DIR}/cli_lib.cmake)
set(JSON_WHAT "report of the interrupted run")
read_json(rep ${REPORT})
if(rep)
  expect_json_type(rep STRING pipeline)
  expect_json_num(rep GREATER 0 duration_s)
  json_get(emitted rep nodes ${SOURCE} frames_out)
  expect_json_eq(rep "${emitted}" frames)
  expect_nothing_lost(rep ${SOURCE} ${SINK})
  json_length(nerrors rep errors)
  expect_num("errors is empty" "${nerrors}" EQUAL 0)
endif()
