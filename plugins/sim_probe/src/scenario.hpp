// Scenario presets and their parameters: `preset` picks probe + phantom + needle, every
// other parameter overrides one field of it (0 or an empty list: keep the preset's).
#pragma once

#include "simulation.hpp"
#include "sonoflow/node.hpp"

namespace sonoflow::sim {

// The parameters of the sim_probe node, declared once here for the node and its tests.
void declare_parameters(NodeSpec& spec);

// Builds the scenario the parameters describe. Throws std::invalid_argument naming the
// parameter when a combination is impossible.
Scenario make_scenario(const ParamSet& params);

}  // namespace sonoflow::sim
