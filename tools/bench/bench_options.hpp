// Command-line handling shared by the sonoflow-bench-* programs: every benchmark takes
// --help and --json, reports bad usage the same way and exits with the same codes.
#pragma once

#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <string>

namespace sonoflow::bench {

// Parses argv into vm. Returns an exit code when the program should end now (--help
// printed: 0; bad usage explained on stderr: 2), or nullopt to run.
inline std::optional<int> parse_options(int argc, char** argv,
                                        const boost::program_options::options_description& options,
                                        const std::string& program,
                                        boost::program_options::variables_map& vm) {
  namespace po = boost::program_options;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << program << ": " << e.what() << "\n" << options << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  return std::nullopt;
}

}  // namespace sonoflow::bench
