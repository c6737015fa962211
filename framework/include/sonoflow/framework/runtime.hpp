// The runtime: runs a validated pipeline as a oneTBB flow graph.
//
// Each processing/output node is a function_node (serial unless its type is declared
// thread-safe); devices emit into the graph from their own threads. Lossless edges are
// TBB edges whose queues are bounded by a per-source limit on frames in flight, so a slow
// consumer slows the source instead of growing memory. Latest edges are one-slot buffers
// that keep the newest frame and count each one replaced. A node's exception is caught,
// counted and handled by its error policy (skip: go on; stop: stop the pipeline cleanly).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sonoflow/framework/validate.hpp"

namespace sonoflow {

struct RunOptions {
  bool fast = false;        // sources run as fast as the pipeline takes frames
  uint64_t max_frames = 0;  // per source; 0: until stopped or end of stream
};

struct LatencyMs {
  double p50 = 0, p99 = 0, max = 0;
};

struct NodeStats {
  std::string id, type;
  NodeKind kind = NodeKind::processing;
  uint64_t frames_in = 0, frames_out = 0, dropped = 0, errors = 0;
  double process_p50_ms = 0, process_p99_ms = 0;
  LatencyMs latency;  // acquisition to the end of this node's process() (timed frames)
};

// One step of a frame's path: which node had it, from when to when (steady clock, ns).
struct TraceStep {
  std::string node;
  int64_t entry_ns = 0, exit_ns = 0;
};

struct RunStats {
  double duration_s = 0;
  uint64_t frames = 0;  // frames emitted by all sources
  double fps = 0;
  LatencyMs latency;    // acquisition to every output, all outputs together
  std::vector<NodeStats> nodes;  // in pipeline order
};

// A failure that stops a run or prevents it, naming the node and the stage.
struct RuntimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Runtime {
 public:
  // Creates and configures every node; throws RuntimeError naming the first node that
  // refused its configuration.
  Runtime(ValidatedPipeline pipeline, RunOptions options);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Starts outputs first and devices last, so no frame meets a node that is not ready.
  // Throws RuntimeError (after stopping what had started) when a node fails to start.
  void start();
  // Waits until every source has ended and the graph has drained, a stop was requested,
  // or the timeout passed. Returns true when the run is over.
  bool wait_for(std::chrono::milliseconds timeout);
  // Thread-safe; the run ends at the next wait_for().
  void request_stop();
  // Stops sources, drains lossless edges, stops the other nodes (outputs flush and close
  // files). Idempotent.
  void stop();

  // Validates and queues a live parameter change; applied between two frames of the node.
  // Returns an empty string, or why the change was refused.
  std::string set_param(const std::string& node_id, const std::string& name, ParamValue value);

  RunStats stats() const;
  // The path of one recent frame through the nodes, in pipeline order. Complete for
  // frames whose sequence number is a multiple of 16 (every node times those); nodes
  // slower than 2 us per frame are timed, and so traced, on every frame.
  std::vector<TraceStep> trace(uint32_t source_id, uint64_t sequence) const;
  // Per node results (Node::results), available after stop().
  std::map<std::string, Results> results() const;
  // Errors of nodes whose policy is `stop`, and failures while stopping: a non-empty list
  // means the run did not end cleanly.
  std::vector<std::string> fatal_errors() const;
  const ValidatedPipeline& pipeline() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sonoflow
