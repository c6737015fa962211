// Small HTTP helpers for the viewer tests (Poco's client), and starting the knee viewer
// pipeline through the `sonoflow` CLI.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "child.hpp"

namespace viewer_test {

struct Response {
  int status = 0;
  std::string content_type, body;
};

Response http(uint16_t port, const std::string& method, const std::string& uri,
              const std::string& body = "", const std::map<std::string, std::string>& headers = {});

// The port of "http://127.0.0.1:PORT/…" in a line such as the viewer's start line.
uint16_t port_of(const std::string& line);
// The URL in the viewer's start line ("web_viewer: open URL").
std::string url_of(const std::string& line);

// Runs tests/viewer/pipelines/knee_viewer.yaml for at most `duration_s`, with extra
// `--set` overrides; returns once the viewer printed its URL.
struct Pipeline {
  std::unique_ptr<Child> process;
  std::string url;
  uint16_t port = 0;
};
Pipeline start_pipeline(const std::string& work_dir, const std::vector<std::string>& sets,
                        int duration_s);
// SIGINT, then the exit code (0: a clean stop).
int stop_pipeline(Pipeline& p);

}  // namespace viewer_test
