// The JSON text messages the viewer pushes over its WebSocket, and the Prometheus text
// form of the pipeline's statistics. Plain functions of SDK frames and JSON text, so they
// are tested without a server.
#pragma once

#include <cstdint>
#include <string>

#include "sonoflow/frames.hpp"

namespace sonoflow::web_viewer {

// {"type":"frame","version":…,"sequence":…,"width":…,"height":…,"channels":…,
//  "origin_mm":[x,z],"spacing_mm":[dx,dz],"image_to_probe":[16],"sector":bool,
//  "mime":…,"bytes":…}: sent before each binary image so the page maps clicks to mm.
std::string geometry_json(const Raster& raster, const FrameHeader& header, uint64_t version,
                          const std::string& mime, size_t bytes);

// {"type":"needle", …}: the guidance readouts. NaN distances (no target, no needle)
// become null, which JSON can carry and the page shows as "—".
std::string needle_json(const NeedleFrame& needle);

// {"type":"stats","stats":<stats_json>}.
std::string stats_message(const std::string& stats_json);

// The statistics of PipelineControl::stats_json() as Prometheus text exposition
// (version 0.0.4). Throws std::invalid_argument when the JSON is not shaped as expected.
std::string prometheus_text(const std::string& stats_json);

}  // namespace sonoflow::web_viewer
