# sonoflow_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>] [NO_INSTALL])
#
# Builds <name>.so, a SonoFlow plugin, linked against the SDK only. Inside the SonoFlow
# tree it lands in build/plugins (where `sonoflow` finds it with no set-up); in an
# out-of-tree project it lands in that project's build folder, and `cmake --install`
# puts it in <prefix>/lib/sonoflow/plugins. This file ships in the installed SDK.
function(sonoflow_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "sonoflow_add_plugin(${name}): give the plugin's SOURCES")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE SonoFlow::sdk ${ARG_LIBRARIES})
  target_compile_features(${name} PRIVATE cxx_std_20)
  # Only the entry point is exported from the plugin's own code (the standard library's
  # type information stays visible, as GCC marks it); plugins are loaded RTLD_LOCAL, so
  # two plugins do not resolve each other's symbols.
  # Installed into <prefix>/lib/sonoflow/plugins, the plugin finds the SDK library in
  # <prefix>/lib by itself (for hosts other than `sonoflow`, and for ldd).
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    INSTALL_RPATH "$ORIGIN/../..")
  if(DEFINED SONOFLOW_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${SONOFLOW_PLUGIN_OUTPUT_DIR})
  endif()
  if(NOT ARG_NO_INSTALL)
    if(NOT DEFINED SONOFLOW_INSTALL_PLUGINDIR)
      include(GNUInstallDirs)
      set(SONOFLOW_INSTALL_PLUGINDIR ${CMAKE_INSTALL_LIBDIR}/sonoflow/plugins)
    endif()
    install(TARGETS ${name} LIBRARY DESTINATION ${SONOFLOW_INSTALL_PLUGINDIR})
  endif()
endfunction()
