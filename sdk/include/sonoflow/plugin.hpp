// The plugin entry point. Every plugin library exports exactly one extern "C" function,
// `sonoflow_plugin_entry`, returning a descriptor. The descriptor starts with plain C
// fields (ABI version first) so that the loader can refuse a library built against
// another ABI before it touches anything C++.
//
//   SONOFLOW_PLUGIN("my_probe", "1.0.0", "MIT", "Driver for the Acme probe",
//                   sonoflow::node_type<AcmeProbe>())
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "sonoflow/node.hpp"
#include "sonoflow/version.hpp"

namespace sonoflow {

struct NodeTypeEntry {
  NodeSpec (*spec)();
  std::unique_ptr<Node> (*create)();
};

template <class T>
constexpr NodeTypeEntry node_type() {
  return NodeTypeEntry{&T::spec, []() -> std::unique_ptr<Node> { return std::make_unique<T>(); }};
}

}  // namespace sonoflow

extern "C" {
struct sonoflow_plugin_descriptor {
  uint32_t abi_version;  // must stay the first field, in every ABI version
  const char* sdk_version;
  const char* name;
  const char* version;
  const char* license;
  const char* description;
  // Valid only when abi_version matches the loader's:
  const sonoflow::NodeTypeEntry* node_types;
  size_t node_type_count;
};
}

#define SONOFLOW_PLUGIN_ENTRY_SYMBOL "sonoflow_plugin_entry"

#define SONOFLOW_PLUGIN(NAME, VERSION, LICENSE, DESCRIPTION, ...)                          \
  extern "C" __attribute__((visibility("default"))) const sonoflow_plugin_descriptor*    \
  sonoflow_plugin_entry() {                                                              \
    static const sonoflow::NodeTypeEntry types[] = {__VA_ARGS__};                        \
    static const sonoflow_plugin_descriptor descriptor{                                  \
        SONOFLOW_ABI_VERSION, SONOFLOW_SDK_VERSION, NAME, VERSION, LICENSE, DESCRIPTION, \
        types, sizeof(types) / sizeof(types[0])};                                         \
    return &descriptor;                                                                  \
  }
