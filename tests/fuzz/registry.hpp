// The plugin registry the pipeline harnesses validate against: the real test_nodes plugin
// and fuzz_nodes (fuzz_nodes.cpp), whose one node type declares a parameter of every type,
// so that every conversion and range check in the validator is reachable.
#pragma once

#include "sonoflow/framework/plugin_registry.hpp"

namespace sonoflow::fuzz {

// Loaded once per process; aborts (with the reason) when a plugin does not load, because a
// harness without its node types would fuzz nothing but "unknown node type".
const PluginRegistry& registry();

}  // namespace sonoflow::fuzz
