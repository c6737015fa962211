# sonoflow_find_opencv_parts(<target> <module>...): an INTERFACE target linking the given
# OpenCV modules. Debian ships OpenCVConfig.cmake only in libopencv-dev, which pulls in
# every OpenCV module; SonoFlow installs just the per-module -dev packages
# (tools/setup.sh), so without the config file the headers and libraries are found directly.
function(sonoflow_find_opencv_parts target)
  if(TARGET ${target})
    return()
  endif()
  add_library(${target} INTERFACE)
  find_package(OpenCV QUIET COMPONENTS ${ARGN})
  if(OpenCV_FOUND)
    target_include_directories(${target} SYSTEM INTERFACE ${OpenCV_INCLUDE_DIRS})
    foreach(_module IN LISTS ARGN)
      target_link_libraries(${target} INTERFACE opencv_${_module})
    endforeach()
    return()
  endif()
  find_path(SONOFLOW_OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
  target_include_directories(${target} SYSTEM INTERFACE ${SONOFLOW_OPENCV_INCLUDE_DIR})
  foreach(_module IN LISTS ARGN)
    find_library(SONOFLOW_OPENCV_${_module}_LIBRARY opencv_${_module} REQUIRED)
    target_link_libraries(${target} INTERFACE ${SONOFLOW_OPENCV_${_module}_LIBRARY})
  endforeach()
endfunction()
