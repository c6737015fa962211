// The per-frame CSV of needle_eval: one FrameEval per line, written while a run goes on and
// read back by tools that pool several runs (the accuracy checker of tests/needle) so that
// pooled medians and percentiles come from the frames, not from averages of averages.
// An empty cell is "does not apply" (no detection, no target, no injection).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "needle_metrics.hpp"

namespace sonoflow::needle_eval {

// The header line, without its newline.
const std::string& csv_header();
// One line, without its newline.
std::string csv_line(const FrameEval& e);
// Reads a whole CSV written by csv_line under csv_header. Throws std::runtime_error
// naming `name`, the line and the column when something does not parse.
std::vector<FrameEval> read_csv(std::istream& in, const std::string& name);

}  // namespace sonoflow::needle_eval
