#include <catch2/catch.hpp>

#include "sonoflow/frames.hpp"
#include "sonoflow/join.hpp"

using namespace sonoflow;

namespace {
FramePtr blob(uint32_t source, uint64_t sequence) {
  auto f = std::make_shared<BlobFrame>();
  f->header.source_id = source;
  f->header.sequence = sequence;
  return f;
}
}  // namespace

TEST_CASE("the joiner hands over an acquisition once every awaited port delivered it") {
  InputJoiner join({0, 2});
  CHECK_FALSE(join.add(0, blob(1, 5)));
  CHECK_FALSE(join.add(1, blob(1, 5)));  // port 1 is not awaited: ignored
  auto image = blob(1, 5);
  auto done = join.add(2, image);
  REQUIRE(done);
  REQUIRE(done->size() == 2);
  CHECK((*done)[0]->header.sequence == 5);
  CHECK((*done)[1] == image);  // in the order of the awaited ports
  CHECK(join.pending() == 0);
  CHECK(join.dropped() == 0);
}

TEST_CASE("the joiner drops older incomplete acquisitions of the same source, counting them") {
  InputJoiner join({0, 1});
  CHECK_FALSE(join.add(0, blob(1, 1)));
  CHECK_FALSE(join.add(0, blob(1, 2)));
  CHECK_FALSE(join.add(0, blob(2, 1)));  // another source keeps its own order
  CHECK_FALSE(join.add(1, blob(1, 3)));
  CHECK(join.add(1, blob(1, 2)));  // completes 2; 1 of source 1 can no longer complete
  CHECK(join.dropped() == 1);
  CHECK(join.pending() == 2);  // (2, 1) and (1, 3) wait on
  CHECK(join.add(1, blob(2, 1)));
}

TEST_CASE("the joiner holds a bounded number of acquisitions when a port stops delivering") {
  InputJoiner join({0, 1}, 4);
  for (uint64_t s = 0; s < 10; ++s) CHECK_FALSE(join.add(0, blob(1, s)));
  CHECK(join.pending() == 4);
  CHECK(join.dropped() == 6);
  CHECK(join.add(1, blob(1, 9)));
}
