// Loading plugin libraries of unknown quality in a child process first, as GStreamer's
// gst-plugin-scanner does: `sonoflow inspect` and `check` are what a user runs on a
// library nobody has vetted yet, and a library that crashes, aborts, exits or hangs in its
// initialisers or entry point must be reported and skipped, not take the command down.
// The child is this same program (`sonoflow __scan-plugin LIB`), started fresh with
// posix_spawn: it loads the library exactly as the parent would (entry point, descriptor,
// every node type's description) and says so. Only then does the parent load it.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common.hpp"

extern char** environ;

namespace sonoflow::cli {

namespace {

constexpr const char* kScanDone = "sonoflow-scan: loaded";
constexpr double kDefaultTimeoutS = 10;
constexpr size_t kKeptOutputBytes = 4096;  // of the child's output, for the message

double scan_timeout_s() {
  if (const char* env = std::getenv("SONOFLOW_PLUGIN_SCAN_TIMEOUT_S")) {
    char* end = nullptr;
    const double s = std::strtod(env, &end);
    if (end != env && *end == '\0' && s > 0) return s;
  }
  return kDefaultTimeoutS;
}

// The child's last line of output, printable characters only: often the reason it died
// (an abort message, a sanitizer's summary).
std::string last_words(const std::string& output) {
  std::string line, last;
  for (char c : output) {
    if (c == '\n') {
      if (!line.empty() && line != kScanDone) last = line;
      line.clear();
    } else if (c >= 0x20 && c < 0x7f) {
      line += c;
    }
  }
  if (!line.empty()) last = line;
  if (last.size() > 200) last = last.substr(0, 200) + "...";
  return last.empty() ? "" : "; its last output: '" + last + "'";
}

}  // namespace

int scan_plugin_command(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "usage: sonoflow " << kScanPluginCommand
              << " LIB.so (used by inspect and check)\n";
    return kUsage;
  }
  PluginRegistry registry;
  // A refusal (not a plugin, another ABI) is a normal outcome: the parent loads the
  // library again and reports it. What matters is that loading returned at all.
  registry.load_library(args[0]);
  std::cout << kScanDone << std::endl;
  return kOk;  // static destructors of the library run on the way out, also checked
}

std::string scan_in_child(const std::filesystem::path& library) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    return std::string("could not be checked in a separate process: pipe: ") + std::strerror(errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  const std::string self = "/proc/self/exe", lib = library.string();
  std::vector<char*> argv = {const_cast<char*>("sonoflow"), const_cast<char*>(kScanPluginCommand),
                             const_cast<char*>(lib.c_str()), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    close(out[0]);
    return std::string("could not be checked in a separate process: ") + std::strerror(spawned);
  }

  // Read until the child closes its output or the time is up.
  const double timeout_s = scan_timeout_s();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  std::string output;
  bool timed_out = false, loaded = false;
  int poll_error = 0;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {  // not retried: it would spin until the deadline
      poll_error = errno;
      break;
    }
    if (ready == 0) continue;  // timeout: checked at the top
    char buffer[1024];
    const ssize_t n = read(out[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
    // Looked for before trimming: a library printing a lot on unloading must not push the
    // marker out of the kept output.
    loaded = loaded || output.find(kScanDone) != std::string::npos;
    if (output.size() > 2 * kKeptOutputBytes) output.erase(0, output.size() - kKeptOutputBytes);
  }
  close(out[0]);
  if (timed_out || poll_error) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string where = " while loading (in a separate process); not loaded";
  if (timed_out) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", timeout_s);
    return std::string("did not finish loading within ") + seconds +
           " s (in a separate process, then killed); not loaded";
  }
  if (poll_error)
    return std::string("could not be checked in a separate process: poll: ") +
           std::strerror(poll_error) + "; not loaded";
  if (WIFSIGNALED(status))
    return "crashed with signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")" + where + last_words(output);
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    return "made the process exit with status " + std::to_string(WEXITSTATUS(status)) + where +
           last_words(output);
  if (!loaded)
    return "ended the process before loading finished" + where + last_words(output);
  return {};
}

void isolate_plugin_loading(PluginRegistry& registry) {
  registry.set_library_check(scan_in_child);
}

}  // namespace sonoflow::cli
