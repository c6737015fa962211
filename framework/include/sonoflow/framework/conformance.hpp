// The conformance checker behind `sonoflow check`: what a plugin author runs before
// shipping, so that what would otherwise surface in the field surfaces at their desk.
// Every check yields a named pass/fail line with the reason.
#pragma once

#include <string>
#include <vector>

#include "sonoflow/framework/plugin_registry.hpp"

namespace sonoflow {

struct CheckResult {
  std::string subject;  // plugin or node type
  std::string check;
  bool passed = false;
  std::string detail;  // why it failed, or what was measured
};

struct CheckOptions {
  int frames_to_collect = 5;  // from a device, for the emission checks
  double timeout_s = 10;      // for a device's first frames and for stop()
  int start_stop_cycles = 3;
};

// The plugin's descriptor.
std::vector<CheckResult> check_plugin(const PluginInfo& plugin);
// One node type: declaration, parameters, configure/start/stop with defaults, and for
// devices the frames they emit and stopping while emitting.
std::vector<CheckResult> check_node_type(const NodeTypeInfo& type, const CheckOptions& options);

}  // namespace sonoflow
