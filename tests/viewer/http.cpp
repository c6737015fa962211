#include "http.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <filesystem>
#include <regex>
#include <sstream>

namespace viewer_test {

Response http(uint16_t port, const std::string& method, const std::string& uri,
              const std::string& body, const std::map<std::string, std::string>& headers) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : headers) request.set(k, v);
  if (!body.empty()) {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Response out;
  out.status = response.getStatus();
  out.content_type = response.getContentType();
  Poco::StreamCopier::copyToString(in, out.body);
  return out;
}

std::string url_of(const std::string& line) {
  static const std::regex url(R"(https?://[^\s]+)");
  std::smatch m;
  if (!std::regex_search(line, m, url)) throw std::runtime_error("no URL in '" + line + "'");
  return m.str();
}

uint16_t port_of(const std::string& line) {
  static const std::regex port(R"(://[^/:]+:(\d+))");
  std::smatch m;
  if (!std::regex_search(line, m, port)) throw std::runtime_error("no port in '" + line + "'");
  return static_cast<uint16_t>(std::stoi(m[1]));
}

Pipeline start_pipeline(const std::string& work_dir, const std::vector<std::string>& sets,
                        int duration_s) {
  std::filesystem::create_directories(work_dir);
  std::vector<std::string> args = {"run", SONOFLOW_VIEWER_PIPELINE, "--duration",
                                   std::to_string(duration_s)};
  for (const auto& s : sets) args.insert(args.end(), {"--set", s});
  Pipeline p;
  p.process = std::make_unique<Child>(SONOFLOW_BIN, args, work_dir + "/sonoflow.log");
  const std::string line = p.process->wait_for_line("web_viewer: open ", std::chrono::seconds(60));
  p.url = url_of(line);
  p.port = port_of(line);
  return p;
}

int stop_pipeline(Pipeline& p) {
  p.process->signal(SIGINT);
  return p.process->wait(std::chrono::seconds(60));
}

}  // namespace viewer_test
