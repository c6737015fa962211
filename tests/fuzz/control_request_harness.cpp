// The control API (PipelineControl::set_param) takes values from web pages and JSON
// clients: every request must be applied or refused with a reason, and the pipeline's
// JSON must stay well-formed whatever value was accepted.
#include <memory>
#include <string>

#include "harness.hpp"
#include "registry.hpp"
#include "sonoflow/control.hpp"
#include "sonoflow/framework/runtime.hpp"

namespace sonoflow::detail {
// framework/src/control.cpp; not in a public header yet.
std::unique_ptr<PipelineControl> make_pipeline_control(Runtime& runtime);
}  // namespace sonoflow::detail

namespace sonoflow::fuzz {

namespace {

constexpr const char* kPipeline = R"(sonoflow: 1
name: fuzz-control
nodes:
  src: { type: test_counter, params: { rate_hz: 50 } }
  every: { type: fuzz_every_param, params: { file: a.sfrec } }
  mid: { type: test_passthrough }
  sink: { type: test_sink }
edges: [src.out -> every.in, every.out -> mid.in, mid.out -> sink.in]
)";

const ValidatedPipeline& pipeline() {
  static const ValidatedPipeline* validated = [] {
    Diagnostics diags;
    const PipelineFile file = parse_pipeline(kPipeline, "fuzz.yaml", diags);
    auto* p = new ValidatedPipeline(validate(file, registry(), diags));
    if (diags.has_errors()) __builtin_trap();  // the fixed pipeline must be valid
    return p;
  }();
  return *validated;
}

}  // namespace

int control_request(const uint8_t* data, size_t size) {
  // Input: node id, newline, parameter name, newline, value text (the rest).
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t first = text.find('\n');
  const size_t second = first == std::string::npos ? first : text.find('\n', first + 1);
  if (second == std::string::npos) return 0;
  const std::string node = text.substr(0, first);
  const std::string name = text.substr(first + 1, second - first - 1);
  const std::string value = text.substr(second + 1);

  // A runtime per input (configured, never started): accepted changes queue up in it.
  Runtime runtime(pipeline(), RunOptions{});
  const auto control = detail::make_pipeline_control(runtime);
  const std::string refused = control->set_param(node, name, value);
  // pipeline_json() parses its own pieces with Poco: a value it cannot print as JSON
  // (NaN, say) would throw here.
  if (refused.empty()) (void)control->pipeline_json();
  return 0;
}

}  // namespace sonoflow::fuzz
