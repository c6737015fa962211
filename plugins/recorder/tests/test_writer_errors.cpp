// The writer's refusals and failures: each names the file and what is wrong, and none
// loses a frame that was already written.
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "helpers.hpp"

using namespace sonoflow;
using namespace sonoflow::test;

namespace {

std::string creation_error(const std::filesystem::path& path, bool overwrite) {
  try {
    RecordingWriter writer(path, {}, overwrite);
  } catch (const RecordingError& e) {
    return e.what();
  }
  return "created";
}

// A frame type without a serialized form, as a plugin might add.
struct PluginPrivateFrame final : Frame {
  std::string_view port_type() const override { return "plugin_private"; }
};

}  // namespace

TEST_CASE("the writer does not overwrite an existing file unless asked") {
  ScratchDir dir;
  const auto path = dir / "take1.sfrec";
  write_recording(path, mixed_frames(3));
  CHECK_THAT(creation_error(path, false),
             Catch::Contains(path.string() + ": already exists; not overwritten"));
  CHECK(RecordingReader(path).frame_count() == 3);  // untouched
  CHECK(creation_error(path, true) == "created");
  CHECK(RecordingReader(path).frame_count() == 0);
}

TEST_CASE("the writer creates missing folders and names the one it cannot create") {
  ScratchDir dir;
  write_recording(dir / "a/b/c.sfrec", mixed_frames(1));
  CHECK(RecordingReader(dir / "a/b/c.sfrec").frame_count() == 1);
  // A file where a folder should be: refused whoever runs the test (root included).
  write_file(dir / "plain", {1});
  CHECK_THAT(creation_error(dir / "plain/sub/x.sfrec", false),
             Catch::Contains("cannot create the folder '" + (dir / "plain/sub").string() + "'"));
  CHECK_THAT(creation_error(dir / "a", true), Catch::Contains("a: cannot create the file"));
}

TEST_CASE("a failed write keeps every frame written before it") {
  ScratchDir dir;
  const auto path = dir / "full_disk.sfrec";
  const auto frames = mixed_frames(6);
  {
    RecordingWriter probe(dir / "size.sfrec", {});
    for (size_t i = 0; i < 3; ++i) probe.write(*frames[i]);
  }
  const Layout layout = layout_of(dir / "size.sfrec");
  // A file size limit stands in for a full disk: writes past it fail with EFBIG (the
  // signal that would kill the process is ignored, as the disk-full case has none).
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit limit = old;
  limit.rlim_cur = layout.index_offset + 40;  // three frames and a bit of the fourth
  REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
  std::string error;
  size_t written = 0;
  {
    RecordingWriter writer(path, {});
    try {
      for (auto& f : frames) writer.write(*f), ++written;
    } catch (const RecordingError& e) {
      error = e.what();
    }
    CHECK_THROWS_AS(writer.write(*frames[0]), RecordingError);  // refused from now on
    CHECK_THROWS_AS(writer.close(), RecordingError);            // no room for the index
  }
  setrlimit(RLIMIT_FSIZE, &old);
  CHECK(written == 3);
  CHECK_THAT(error, Catch::Contains(path.string() + ":" + std::to_string(layout.index_offset) +
                                    ": cannot write the frame 3") &&
                        Catch::Contains("ends with the 3 frames before"));
  RecordingReader reader(path);
  CHECK(reader.frame_count() == 3);
  CHECK_FALSE(reader.damage());  // cut back to the last whole frame
  CHECK(std::filesystem::file_size(path) == layout.index_offset);
}

TEST_CASE("a frame type without a serialized form is refused and the recording goes on") {
  ScratchDir dir;
  const auto path = dir / "mixed.sfrec";
  RecordingWriter writer(path, {});
  writer.write(*make_blob(0));
  CHECK_THROWS_AS(writer.write(PluginPrivateFrame{}), std::invalid_argument);
  writer.write(*make_blob(1));
  writer.close();
  CHECK_THROWS_WITH(writer.write(*make_blob(2)), Catch::Contains("already closed"));
  CHECK(RecordingReader(path).frame_count() == 2);
}
