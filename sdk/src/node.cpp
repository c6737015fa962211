#include "sonoflow/node.hpp"

#include <stdexcept>

namespace sonoflow {

std::string_view to_string(NodeKind kind) {
  switch (kind) {
    case NodeKind::device: return "device";
    case NodeKind::processing: return "processing";
    case NodeKind::output: return "output";
  }
  return "?";
}

std::string_view to_string(EdgePolicy policy) {
  return policy == EdgePolicy::latest ? "latest" : "lossless";
}

static NodeSpec make_spec(std::string type, NodeKind kind, std::string description) {
  NodeSpec spec;
  spec.type = std::move(type);
  spec.kind = kind;
  spec.description = std::move(description);
  return spec;
}
NodeSpec NodeSpec::device(std::string type, std::string description) {
  return make_spec(std::move(type), NodeKind::device, std::move(description));
}
NodeSpec NodeSpec::processing(std::string type, std::string description) {
  return make_spec(std::move(type), NodeKind::processing, std::move(description));
}
NodeSpec NodeSpec::output(std::string type, std::string description) {
  return make_spec(std::move(type), NodeKind::output, std::move(description));
}

NodeSpec& NodeSpec::input(std::string name, std::string_view port_type, std::string doc,
                          InputOptions options) {
  inputs.push_back(PortSpec{std::move(name), std::string(port_type), std::move(doc),
                            options.required, options.policy});
  return *this;
}
NodeSpec& NodeSpec::output(std::string name, std::string_view port_type, std::string doc) {
  outputs.push_back(PortSpec{std::move(name), std::string(port_type), std::move(doc)});
  return *this;
}
NodeSpec& NodeSpec::param(ParamSpec spec) {
  params.push_back(std::move(spec));
  return *this;
}

template <class T>
static const T* find_named(const std::vector<T>& items, std::string_view name) {
  for (auto& item : items)
    if (item.name == name) return &item;
  return nullptr;
}
const ParamSpec* NodeSpec::find_param(std::string_view name) const {
  return find_named(params, name);
}
const PortSpec* NodeSpec::find_input(std::string_view name) const {
  return find_named(inputs, name);
}
const PortSpec* NodeSpec::find_output(std::string_view name) const {
  return find_named(outputs, name);
}

Context::~Context() = default;
bool Context::input_connected(size_t) const { return true; }
PipelineControl* Context::control() { return nullptr; }
Node::~Node() = default;
void Node::configure(const ParamSet&) {}
void Node::start(Context&) {}
void Node::process(const Input&, Context&) {}
void Node::stop() {}
void Node::update(const std::string& name, const ParamValue&) {
  throw std::logic_error("parameter '" + name +
                         "' is declared live but the node does not implement update()");
}
void Node::results(Results&) const {}

}  // namespace sonoflow
