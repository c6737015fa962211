// Image-file sources: which files a path stands for, in which order.
#include <algorithm>
#include <cctype>
#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <stdexcept>

#include "frame_reader.hpp"

namespace sonoflow::image_io {
namespace {

namespace fs = std::filesystem;

bool is_image_file(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* known : {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pgm", ".ppm"})
    if (ext == known) return true;
  return false;
}

std::string regex_escape(char c) {
  static const std::string special = R"(\^$.|?*+()[]{})";
  return special.find(c) != std::string::npos ? std::string{'\\', c} : std::string{c};
}

// A file-name pattern as a regex: `%d`/`%06d` become a captured number, `%%` a '%',
// `*` and `?` glob wildcards. Sets `numbered` when there is a number.
std::regex name_regex(const std::string& name, bool& numbered) {
  std::string re;
  numbered = false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '%' && i + 1 < name.size() && name[i + 1] == '%') {
      re += '%';
      ++i;
    } else if (c == '%') {
      size_t j = i + 1;
      while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
      if (j >= name.size() || name[j] != 'd' || numbered)
        throw std::invalid_argument("'" + name + "' must hold one frame number, %d or %06d");
      re += R"( *(\d+))";  // %4d pads with spaces
      numbered = true;
      i = j;
    } else if (c == '*') {
      re += ".*";
    } else if (c == '?') {
      re += '.';
    } else {
      re += regex_escape(c);
    }
  }
  return std::regex(re);
}

std::vector<fs::path> folder_images(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_regular_file() && is_image_file(entry.path())) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<fs::path> list_images(const std::string& path) {
  const fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) return folder_images(p);
  const std::string name = p.filename().string();
  if (name.find_first_of("%*?") == std::string::npos)
    return fs::is_regular_file(p, ec) && is_image_file(p) ? std::vector<fs::path>{p}
                                                            : std::vector<fs::path>{};
  const fs::path folder = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(folder, ec))
    throw std::invalid_argument("no folder '" + folder.string() + "' for '" + path + "'");
  bool numbered = false;
  const std::regex re = name_regex(name, numbered);
  std::vector<std::pair<uint64_t, fs::path>> matches;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string file = entry.path().filename().string();
    std::smatch m;
    if (!entry.is_regular_file() || !std::regex_match(file, m, re)) continue;
    matches.emplace_back(numbered ? std::stoull(m[1].str()) : 0, entry.path());
  }
  // By number for a pattern (frame_10 after frame_9 even unpadded), else by name.
  std::sort(matches.begin(), matches.end());
  std::vector<fs::path> files;
  for (auto& [number, file] : matches) files.push_back(std::move(file));
  return files;
}

}  // namespace sonoflow::image_io
