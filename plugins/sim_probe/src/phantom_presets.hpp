// The anatomy presets: joints a clinician would recognise, and plain test phantoms for
// beamformer quality tests.
#pragma once

#include "phantom.hpp"
#include "probe_model.hpp"

namespace sonoflow::sim {

// Longitudinal suprapatellar view of the knee (linear probe): skin, subcutaneous fat,
// fibrillar quadriceps tendon, suprapatellar fat pad, effusion in the suprapatellar
// recess, prefemoral fat, and the femoral cortex with its shadow.
Phantom knee_suprapatellar();
// Anterior hip along the femoral neck (convex probe): skin, fat, iliopsoas muscle, the
// joint capsule, effusion in the anterior recess, cartilage on the femoral head, cortex.
Phantom hip_anterior(const ProbeModel& probe);
// A grid of point targets at known depths, no speckle (resolution tests).
Phantom point_targets(double depth_mm);
// Anechoic cylinders of 2, 3 and 4 mm radius in uniform speckle (contrast tests).
Phantom cyst(double depth_mm);

// Lateral extent a probe sees: the linear aperture, or the convex sector's width at depth.
void fit_to_probe(Phantom& phantom, const ProbeModel& probe);

}  // namespace sonoflow::sim
