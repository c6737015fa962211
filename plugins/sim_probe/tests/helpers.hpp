// Shared by the simulator tests: a scenario from parameter overrides, as the node builds it.
#pragma once

#include <map>

#include "scenario.hpp"

namespace sonoflow::sim::testing {

inline ParamSet params_with(const std::map<std::string, ParamValue>& overrides) {
  NodeSpec spec;
  declare_parameters(spec);
  ParamSet set;
  for (auto& p : spec.params) set.set(p.name, p.normalize(p.default_value));
  for (auto& [k, v] : overrides) set.set(k, v);
  return set;
}

inline Scenario scenario_with(const std::map<std::string, ParamValue>& overrides) {
  return make_scenario(params_with(overrides));
}

}  // namespace sonoflow::sim::testing
