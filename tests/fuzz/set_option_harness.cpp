// `--set node.param=value` comes from command lines, scripts and the viewer's URL-encoded
// forms: every assignment must become an applied override or a `--set:<n>:<col>` error.
#include <sstream>
#include <string>

#include "harness.hpp"
#include "registry.hpp"
#include "sonoflow/framework/pipeline_file.hpp"
#include "sonoflow/framework/validate.hpp"

namespace sonoflow::fuzz {

namespace {

// A valid pipeline using every parameter type, so that overrides have something to hit.
constexpr const char* kPipeline = R"(sonoflow: 1
name: fuzz-set
nodes:
  src: { type: test_counter, params: { rate_hz: 50 } }
  every: { type: fuzz_every_param, params: { file: a.sfrec } }
  sink: { type: test_sink }
edges:
  - src.out -> every.in
  - every.out -> sink.in
)";

}  // namespace

int set_option(const uint8_t* data, size_t size) {
  Diagnostics diags;
  PipelineFile file = parse_pipeline(kPipeline, "fuzz.yaml", diags);
  if (diags.has_errors()) __builtin_trap();  // the fixed pipeline itself must read cleanly
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  int index = 0;
  for (std::string assignment; std::getline(lines, assignment);)
    apply_override(file, assignment, ++index, diags);
  validate(file, registry(), diags);
  (void)diags.to_string();
  return 0;
}

}  // namespace sonoflow::fuzz
