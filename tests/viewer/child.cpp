#include "child.hpp"

#include <Poco/PipeStream.h>

#include <csignal>
#include <fstream>
#include <stdexcept>
#include <sys/wait.h>

namespace viewer_test {

std::string tail(const std::string& text, size_t lines) {
  size_t pos = text.size();
  for (size_t n = 0; n <= lines && pos > 0; ++n) pos = text.rfind('\n', pos - 1);
  return pos == std::string::npos ? text : text.substr(pos + 1);
}

Child::Child(const std::string& program, const std::vector<std::string>& args,
             const std::string& log_path)
    : name_(program), log_path_(log_path) {
  // stdout and stderr share one pipe: one ordered log.
  handle_ = std::make_unique<Poco::ProcessHandle>(
      Poco::Process::launch(program, args, nullptr, &pipe_, &pipe_));
  reader_ = std::thread([this] { drain(); });
}

void Child::drain() {
  Poco::PipeInputStream in(pipe_);
  std::ofstream log(log_path_);
  std::string line;
  while (std::getline(in, line)) {
    log << line << "\n" << std::flush;
    std::lock_guard lock(mutex_);
    output_ += line + "\n";
    cv_.notify_all();
  }
  std::lock_guard lock(mutex_);
  ended_ = true;
  cv_.notify_all();
}

Child::~Child() {
  if (!waited_) {
    signal(SIGKILL);
    try {
      wait(std::chrono::seconds(10));
    } catch (...) {
    }
  }
  pipe_.close();
  if (reader_.joinable()) reader_.join();
}

std::string Child::wait_for_line(const std::string& needle, std::chrono::seconds timeout) {
  std::unique_lock lock(mutex_);
  size_t found = std::string::npos;
  cv_.wait_for(lock, timeout, [&] {
    found = output_.find(needle);
    return found != std::string::npos || ended_;
  });
  if (found == std::string::npos)
    throw std::runtime_error(name_ + " did not print '" + needle + "' " +
                             (ended_ ? "before it ended" : "in time") + "; it printed:\n" +
                             tail(output_));
  const size_t begin = output_.rfind('\n', found);
  const size_t end = output_.find('\n', found);
  return output_.substr(begin == std::string::npos ? 0 : begin + 1,
                        end == std::string::npos ? std::string::npos
                                                 : end - (begin == std::string::npos ? 0 : begin + 1));
}

void Child::signal(int sig) {
  if (!waited_) ::kill(handle_->id(), sig);
}

int Child::wait(std::chrono::seconds timeout) {
  if (waited_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(handle_->id(), &status, WNOHANG);
    if (r == handle_->id()) {
      waited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error(name_ + " did not exit in time; it printed:\n" + tail(output()));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string Child::output() const {
  std::lock_guard lock(mutex_);
  return output_;
}

}  // namespace viewer_test
