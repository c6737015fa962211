# image_writer and image_source through the real CLI. Each CASE is one ctest test.
include(${SOURCE_DIR}/tests/cli/cli_lib.cmake)
set(report ${WORK}/report.json)

# expect_files(<glob> <count>): exactly <count> files match <glob> (relative to WORK),
# each non-empty.
function(expect_files glob count)
  file(GLOB found RELATIVE ${WORK} ${WORK}/${glob})
  list(LENGTH found n)
  if(NOT n EQUAL count)
    cli_fail("expected ${count} files matching ${glob}, found ${n}: ${found}")
  endif()
  foreach(f IN LISTS found)
    file(SIZE ${WORK}/${f} size)
    if(size EQUAL 0)
      cli_fail("${f} is empty")
    endif()
  endforeach()
endfunction()

# expect_written(<n> <path>): the report says the writer wrote n frames to path.
function(expect_written n path)
  set(JSON_WHAT "report")
  read_json(rep ${report})
  if(rep)
    expect_json_eq(rep ${n} results writer frames_written)
    expect_json_eq(rep "${path}" results writer path)
    expect_json_eq(rep 0 nodes writer errors)
    expect_json_eq(rep 0 nodes writer dropped)
  endif()
endfunction()

# read_back(<path> <n>): image_source -> test_sink sees n non-empty frames, in order, no gap.
function(read_back path n)
  run_sonoflow(b run ${PIPELINES}/images_to_sink.yaml --set src.path=${path} --fast
               --report ${report})
  expect_rc(b 0)
  set(JSON_WHAT "report of reading ${path}")
  read_json(rep ${report})
  if(rep)
    expect_json_eq(rep ${n} results src frames)
    expect_json_num(rep GREATER 0 results src width)
    expect_json_num(rep GREATER 0 results src height)
    expect_nothing_lost(rep src sink)
  endif()
endfunction()

if(CASE STREQUAL "knee_png" OR CASE STREQUAL "hip_png")
  if(CASE STREQUAL "knee_png")
    set(config ${SOURCE_DIR}/config/bmode_knee_png.yaml)
  else()
    set(config ${SOURCE_DIR}/config/bmode_hip_png.yaml)
  endif()
  # Into a folder that does not exist yet: the writer creates it.
  run_sonoflow(r run ${config} --frames 3 --fast --set writer.path=png/frame_%06d.png
               --report ${report} TIMEOUT 240)
  expect_rc(r 0)
  expect_written(3 png/frame_%06d.png)
  foreach(i 0 1 2)
    if(NOT EXISTS ${WORK}/png/frame_00000${i}.png)
      cli_fail("no png/frame_00000${i}.png after 3 frames")
    endif()
  endforeach()
  expect_files(png/* 3)
  # The PNGs are whole images: image_source reads all three back.
  read_back(png/frame_%06d.png 3)
elseif(CASE STREQUAL "overlay_png")
  # The main demo's chain writing its overlay (colour: shaft, tip, target, text drawn on the
  # B-mode), as the README's overlay image was made.
  run_sonoflow(r run ${SOURCE_DIR}/config/overlay_capture.yaml --frames 10 --fast
               --set writer.path=overlay/frame_%06d.png --set writer.every_n=5
               --report ${report} TIMEOUT 240)
  expect_rc(r 0)
  expect_written(2 overlay/frame_%06d.png)
  expect_files(overlay/frame_*.png 2)
  read_back(overlay/frame_%06d.png 2)
elseif(CASE STREQUAL "video_round_trip")
  run_sonoflow(r run ${SOURCE_DIR}/config/bmode_knee_png.yaml --frames 4 --fast
               --set writer.path=video/knee.avi --report ${report} TIMEOUT 240)
  expect_rc(r 0)
  expect_written(4 video/knee.avi)
  expect_files(video/* 1)
  read_back(video/knee.avi 4)
  # An existing video is refused before anything runs, naming it.
  run_sonoflow(again run ${SOURCE_DIR}/config/bmode_knee_png.yaml --frames 1 --fast
               --set writer.path=video/knee.avi TIMEOUT 240)
  expect_rc(again 1)
  expect_contains(again err "'video/knee.avi' already exists; set overwrite: true")
elseif(CASE STREQUAL "png_round_trip")
  # Source images: B-mode PNGs written by image_writer itself.
  run_sonoflow(r run ${SOURCE_DIR}/config/bmode_knee_png.yaml --frames 3 --fast
               --set writer.path=in/frame_%06d.png TIMEOUT 240)
  expect_rc(r 0)
  run_sonoflow(c run ${PIPELINES}/images_to_writer.yaml --fast --report ${report})
  expect_rc(c 0)
  expect_written(3 copy/frame_%06d.png)
  expect_files(copy/frame_*.png 3)
  foreach(i 0 1 2)
    file(SHA256 ${WORK}/in/frame_00000${i}.png a)
    file(SHA256 ${WORK}/copy/frame_00000${i}.png b)
    if(NOT a STREQUAL b)
      cli_fail("copy/frame_00000${i}.png differs from in/frame_00000${i}.png (PNG is lossless)")
    endif()
  endforeach()
  # Again into the same folder: every file is refused by name, none is replaced.
  run_sonoflow(d run ${PIPELINES}/images_to_writer.yaml --fast --report ${report})
  expect_rc(d 0)  # on_error: skip (the default) counts the refusals and goes on
  expect_contains(d err "'copy/frame_000001.png' already exists; set overwrite: true")
  set(JSON_WHAT "report of the second copy")
  read_json(rep ${report})
  if(rep)
    expect_json_eq(rep 0 results writer frames_written)
    expect_json_eq(rep 3 nodes writer errors)
  endif()
  # overwrite: true replaces them.
  run_sonoflow(e run ${PIPELINES}/images_to_writer.yaml --fast --set writer.overwrite=true
               --report ${report})
  expect_rc(e 0)
  expect_written(3 copy/frame_%06d.png)
else()
  message(FATAL_ERROR "writer.cmake: unknown CASE '${CASE}'")
endif()
