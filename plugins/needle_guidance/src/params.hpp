// The parameters both needle node types declare, and their translation into Settings
// with the checks the declaration cannot express (list lengths, min < max).
#pragma once

#include "needle_types.hpp"
#include "overlay.hpp"
#include "sonoflow/node.hpp"

namespace sonoflow::needle {

void declare_parameters(NodeSpec& spec);

// Settings from validated values. Throws std::invalid_argument naming the parameter.
Settings settings_from(const ParamSet& p);
DrawOptions draw_options_from(const ParamSet& p);

}  // namespace sonoflow::needle
