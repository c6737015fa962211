# Installs the runtime, the CLI, the plugins and the SDK as a CMake package, so that an
# out-of-tree project can write:
#   find_package(SonoFlow REQUIRED)
#   sonoflow_add_plugin(my_probe SOURCES my_probe.cpp)
include(CMakePackageConfigHelpers)

install(TARGETS sonoflow_sdk sonoflow_framework EXPORT SonoFlowTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY sdk/include/sonoflow framework/include/sonoflow
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(FILES ${CMAKE_BINARY_DIR}/sdk/include/sonoflow/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sonoflow)
install(FILES ${CMAKE_BINARY_DIR}/sdk/include/sonoflow/schemas/frames_generated.h
              ${CMAKE_BINARY_DIR}/sdk/include/sonoflow/schemas/recording_generated.h
              sdk/schemas/frames.fbs sdk/schemas/recording.fbs
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sonoflow/schemas)

set(_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/SonoFlow)
install(EXPORT SonoFlowTargets NAMESPACE SonoFlow:: DESTINATION ${_cmake_dir})
configure_package_config_file(cmake/SonoFlowConfig.cmake.in
  ${CMAKE_BINARY_DIR}/SonoFlowConfig.cmake INSTALL_DESTINATION ${_cmake_dir})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/SonoFlowConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/SonoFlowConfig.cmake
              ${CMAKE_BINARY_DIR}/SonoFlowConfigVersion.cmake
              cmake/SonoFlowPluginFunctions.cmake
        DESTINATION ${_cmake_dir})
