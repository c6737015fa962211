// The node API: what a node type declares about itself (NodeSpec) and the four calls of
// its life (configure -> start -> process per frame -> stop).
//
// A node type is a class derived from Node with a static `spec()` describing it. The
// runtime creates one instance per pipeline node, configures it with validated parameter
// values, starts it, feeds it frames and stops it. A node runs serially (one frame at a
// time, in order) unless its spec says it is safe to run concurrently. Live parameter
// changes are delivered between frames, never while process() runs.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sonoflow/frame.hpp"
#include "sonoflow/params.hpp"

namespace sonoflow {

class PipelineControl;

enum class NodeKind { device, processing, output };
enum class EdgePolicy { lossless, latest };
enum class ErrorPolicy { skip, stop };

std::string_view to_string(NodeKind kind);
std::string_view to_string(EdgePolicy policy);

struct PortSpec {
  std::string name;
  std::string type;  // a port_type name, or a plugin's own
  std::string description;
  bool required = true;                           // inputs: must be connected
  EdgePolicy default_policy = EdgePolicy::lossless;  // inputs: policy of edges into it
};

struct InputOptions {
  bool required = true;
  EdgePolicy policy = EdgePolicy::lossless;
};

struct NodeSpec {
  std::string type;  // the name used after `type:` in pipeline files
  NodeKind kind = NodeKind::processing;
  std::string description;
  std::vector<PortSpec> inputs, outputs;
  std::vector<ParamSpec> params;
  bool concurrent = false;  // process() may run on several frames at once

  static NodeSpec device(std::string type, std::string description);
  static NodeSpec processing(std::string type, std::string description);
  static NodeSpec output(std::string type, std::string description);

  NodeSpec& input(std::string name, std::string_view type, std::string description,
                  InputOptions options = {});
  NodeSpec& output(std::string name, std::string_view type, std::string description);
  NodeSpec& param(ParamSpec spec);
  NodeSpec& thread_safe() { concurrent = true; return *this; }

  const ParamSpec* find_param(std::string_view name) const;
  const PortSpec* find_input(std::string_view name) const;
  const PortSpec* find_output(std::string_view name) const;
};

// Node-specific results for the run report, e.g. {"frames_checked": 300}. A dot in a key
// nests: {"tip_error_mm.median": 0.3, "tip_error_mm.p95": 0.9} is reported as
// "tip_error_mm": {"median": 0.3, "p95": 0.9}.
using Results = std::map<std::string, ParamValue>;

// What the runtime offers a node. Implemented by the framework; plugins only call it.
class Context {
 public:
  virtual ~Context();

  // Sends `frame` out of output port `port` (index in declaration order). Devices may call
  // it from any thread. It blocks while the pipeline holds as many frames as it may
  // (lossless backpressure reaches the source) and returns false once the pipeline is
  // stopping: the frame was not sent and a device should end its loop.
  virtual bool emit(size_t port, FramePtr frame) = 0;
  // For devices: a header with the next sequence number of this source, its id, and the
  // steady and UTC clocks read now. A driver whose hardware timestamps acquisitions may
  // then set acquisition_ns to that (earlier) time, converted to the steady clock.
  virtual FrameHeader stamp() = 0;
  // For devices: no more frames will come (end of a file, a set frame count).
  virtual void end_of_stream() = 0;
  // For devices not built on ThreadedDevice: applies parameter changes that arrived
  // since the last frame. Call it between frames.
  virtual void apply_pending_params() = 0;

  // An error outside process() (e.g. on a device's own thread), handled by the node's
  // error policy like an exception from process(): counted, then skip or stop.
  virtual void error(std::string_view message) = 0;

  virtual bool stopping() const = 0;
  // True under `sonoflow run --fast`: devices produce as fast as the pipeline takes them.
  virtual bool fast() const = 0;
  virtual const std::string& node_id() const = 0;
  // A warning that names this node, shown on stderr.
  virtual void warn(std::string_view message) = 0;

  // Whether input port `port` (index in declaration order) has an edge into it: a node
  // with optional inputs waits only for those connected (see sonoflow/join.hpp).
  virtual bool input_connected(size_t port) const;
  // The running pipeline (graph, stats, live parameters) for nodes that offer remote
  // control; null where there is none. See sonoflow/control.hpp.
  virtual PipelineControl* control();
};

struct Input {
  size_t port;  // index of the input port in declaration order
  const FramePtr& frame;
};

class Node {
 public:
  virtual ~Node();

  // Reads the validated parameters (every declared one present). Throw std::exception with
  // a message naming what is wrong to refuse a configuration.
  virtual void configure(const ParamSet& params);
  // Devices start producing here (own thread, timer, vendor callback) and keep `ctx`;
  // others may keep it too. `ctx` outlives the node's stop().
  virtual void start(Context& ctx);
  // One input frame. Emit results with ctx.emit(). Not called for devices.
  virtual void process(const Input& input, Context& ctx);
  // Devices stop emitting and join their threads here. Outputs flush and close files.
  virtual void stop();
  // A runtime-mutable parameter changed (already validated). Called between frames: for
  // processing and output nodes on the thread about to call process(); for devices from
  // Context::apply_pending_params(), i.e. on the device's own (or the vendor's) thread.
  // `sonoflow check` also calls it once before start().
  virtual void update(const std::string& name, const ParamValue& value);
  // Node-specific results for the report; called after stop().
  virtual void results(Results& out) const;
};

}  // namespace sonoflow
