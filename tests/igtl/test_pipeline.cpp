// A running `sonoflow run` of pipelines/knee_igtl.yaml served to OpenIGTLink clients built
// on libopenigtlink, as 3D Slicer's are: the IMAGE geometry a client receives matches the
// fixed beamforming grid; two clients receive images at once while a third never reads and
// a fourth leaves in the middle of a message; the run ends cleanly and reports its clients.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <istream>
#include <regex>
#include <string>
#include <thread>

#include <Poco/JSON/Parser.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <igtlImageMessage.h>

#include "igtl_client.hpp"

using sonoflow::igtl_test::Client;

namespace {

constexpr int kWaitMs = 60000;          // bounds a failing wait only
constexpr int kImagesPerClient = 40;    // received by each reading client
constexpr const char* kRunSeconds = "25";  // long enough for that on a loaded machine

// The CLI run, its stderr collected and the port it announces picked out of it.
class Run {
 public:
  explicit Run(const std::string& report) {
    Poco::Process::Args args{"run", IGTL_PIPELINE, "--duration", kRunSeconds, "-q",
                             "--report", report};
    handle_.emplace(Poco::Process::launch(SONOFLOW_BIN, args, nullptr, &out_, &err_));
    out_reader_ = std::thread([this] {
      Poco::PipeInputStream in(out_);
      std::string line;
      while (std::getline(in, line)) stdout_ += line + "\n";
    });
    err_reader_ = std::thread([this] {
      Poco::PipeInputStream in(err_);
      const std::regex listening("listening on port ([0-9]+)");
      std::string line;
      bool announced = false;
      while (std::getline(in, line)) {
        stderr_ += line + "\n";
        std::smatch m;
        if (!announced && std::regex_search(line, m, listening)) {
          port_.set_value(std::stoi(m[1]));
          announced = true;
        }
      }
      if (!announced) port_.set_value(0);
    });
  }
  ~Run() {
    if (handle_ && !exited_) Poco::Process::kill(*handle_);
    if (out_reader_.joinable()) out_reader_.join();
    if (err_reader_.joinable()) err_reader_.join();
  }
  int port() {
    auto f = port_.get_future();
    return f.wait_for(std::chrono::milliseconds(kWaitMs)) == std::future_status::ready ? f.get()
                                                                                        : 0;
  }
  int wait() {
    const int code = handle_->wait();
    exited_ = true;
    out_reader_.join();
    err_reader_.join();
    return code;
  }
  const std::string& err() const { return stderr_; }
  const std::string& out() const { return stdout_; }

 private:
  Poco::Pipe out_, err_;
  std::optional<Poco::ProcessHandle> handle_;
  std::thread out_reader_, err_reader_;
  std::promise<int> port_;
  std::string stdout_, stderr_;
  bool exited_ = false;
};

void check_geometry(igtl::ImageMessage& img) {
  int size[3];
  float spacing[3];
  img.GetDimensions(size);
  img.GetSpacing(spacing);
  // das_beamformer's grid: x -10..10, depth 5..25 mm, 0.25 mm pixels.
  CHECK(size[0] == 81);
  CHECK(size[1] == 81);
  CHECK(size[2] == 1);
  CHECK(spacing[0] == Approx(0.25));
  CHECK(spacing[1] == Approx(0.25));
  CHECK(img.GetScalarType() == igtl::ImageMessage::TYPE_UINT8);
  CHECK(img.GetNumComponents() == 1);
  double first[3], last[3];
  sonoflow::igtl_test::pixel_position(img, 0, 0, first);
  sonoflow::igtl_test::pixel_position(img, 80, 80, last);
  CHECK(first[0] == Approx(-10).margin(1e-3));
  CHECK(first[1] == Approx(0).margin(1e-3));
  CHECK(first[2] == Approx(5).margin(1e-3));
  CHECK(last[0] == Approx(10).margin(1e-3));
  CHECK(last[2] == Approx(25).margin(1e-3));
}

// Reads kImagesPerClient images; returns how many came, checking the first one's geometry
// and that timestamps (the frames' UTC acquisition times) only grow.
int read_images(Client& client) {
  uint64_t previous_ns = 0;
  int count = 0;
  for (; count < kImagesPerClient; ++count) {
    auto m = client.next_of("IMAGE", kWaitMs);
    if (!m) break;
    CHECK(m->device == "SonoFlow_BMode");
    if (count == 0) check_geometry(*m->as<igtl::ImageMessage>());
    CHECK(m->timestamp_ns > previous_ns);
    previous_ns = m->timestamp_ns;
  }
  return count;
}

}  // namespace

TEST_CASE("clients of a running B-mode pipeline: geometry, two at once, stalled, vanishing") {
  const std::filesystem::path work = IGTL_WORK_DIR;
  std::filesystem::create_directories(work);
  const std::string report = (work / "report.json").string();
  std::filesystem::remove(report);

  Run run(report);
  const int port = run.port();
  INFO("sonoflow stderr:\n" << run.err());
  REQUIRE(port > 0);

  // Connected first and never read from again.
  Client stalled;
  REQUIRE(stalled.connect(port));

  // Leaves in the middle of an IMAGE.
  {
    Client quitter;
    REQUIRE(quitter.connect(port));
    REQUIRE(quitter.next_of("STATUS", kWaitMs));
    REQUIRE(quitter.read_raw(100, kWaitMs));
    quitter.close();
  }

  Client a, b;
  REQUIRE(a.connect(port));
  REQUIRE(b.connect(port));
  auto got_b = std::async(std::launch::async, [&] { return read_images(b); });
  const int got_a = read_images(a);
  CHECK(got_a == kImagesPerClient);
  CHECK(got_b.get() == kImagesPerClient);

  const int code = run.wait();
  INFO("sonoflow stdout:\n" << run.out());
  CHECK(code == 0);

  std::ifstream in(report);
  REQUIRE(in);
  const auto root = Poco::JSON::Parser().parse(in).extract<Poco::JSON::Object::Ptr>();
  const auto node = root->getObject("nodes")->getObject("igtl");
  CHECK(node->getValue<int64_t>("errors") == 0);
  CHECK(node->getValue<int64_t>("frames_in") >= kImagesPerClient);
  const auto results = root->getObject("results")->getObject("igtl");
  CHECK(results->getValue<int64_t>("clients_served") == 4);
  CHECK(results->getValue<int64_t>("clients_lost") >= 1);  // the quitter
  CHECK(results->getValue<int64_t>("messages_sent") >= 2 * kImagesPerClient);
  // Figures for the README, printed with the test's output (`ctest -V`).
  std::printf("igtl pipeline: fps %.1f, images %lld, messages_sent %lld, messages_dropped %lld\n",
              root->getValue<double>("fps"), static_cast<long long>(results->getValue<int64_t>("images")),
              static_cast<long long>(results->getValue<int64_t>("messages_sent")),
              static_cast<long long>(results->getValue<int64_t>("messages_dropped")));
}
