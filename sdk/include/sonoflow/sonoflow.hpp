// Everything a plugin author includes: node API, frame types, parameters, the threaded
// device base and the plugin entry macro.
#pragma once

#include "sonoflow/clock.hpp"
#include "sonoflow/device.hpp"
#include "sonoflow/frame.hpp"
#include "sonoflow/frames.hpp"
#include "sonoflow/node.hpp"
#include "sonoflow/params.hpp"
#include "sonoflow/plugin.hpp"
#include "sonoflow/version.hpp"
