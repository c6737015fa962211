// The test_nodes plugin entry point: the list of node types this library provides.
#include "test_nodes.hpp"

using namespace sonoflow;
using namespace sonoflow::test_nodes;

SONOFLOW_PLUGIN("test_nodes", "1.0.0", "Apache-2.0",
                "Nodes for testing SonoFlow itself: sources, pass-through, checking sinks, "
                "nodes that throw on demand",
                node_type<CounterSource>(), node_type<RfSource>(), node_type<Passthrough<false>>(),
                node_type<Passthrough<true>>(),
                node_type<SequenceSink<EdgePolicy::lossless>>(),
                node_type<SequenceSink<EdgePolicy::latest>>(), node_type<Thrower>(),
                node_type<ThrowingSource>())
