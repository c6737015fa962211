// A child process for the viewer tests (sonoflow, chromium): its stdout and stderr go to
// a log file, and a test can wait for a line in them (the URL the viewer prints).
#pragma once

#include <Poco/Pipe.h>
#include <Poco/Process.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace viewer_test {

class Child {
 public:
  Child(const std::string& program, const std::vector<std::string>& args,
        const std::string& log_path);
  ~Child();  // kills the process if it still runs
  // The first output line containing `needle`; throws (with the output's tail) after
  // `timeout` or when the process ends first.
  std::string wait_for_line(const std::string& needle, std::chrono::seconds timeout);
  void signal(int sig);
  // Waits for the exit; throws after `timeout`. Returns the exit code.
  int wait(std::chrono::seconds timeout);
  std::string output() const;

 private:
  void drain();
  std::string name_;
  std::unique_ptr<Poco::ProcessHandle> handle_;
  Poco::Pipe pipe_;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::string output_;
  bool ended_ = false;
  bool waited_ = false;
  int exit_code_ = -1;
  std::string log_path_;
};

// The message of a failed test step, with what the child printed.
std::string tail(const std::string& text, size_t lines = 30);

}  // namespace viewer_test
