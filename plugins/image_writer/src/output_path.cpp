#include "output_path.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace sonoflow::image_io {
namespace {

// Wider numbers would not fit a 64-bit sequence number's 20 digits anyway.
constexpr int kMaxNumberWidth = 20;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::invalid_argument bad(const std::string& path, const std::string& why) {
  return std::invalid_argument("path '" + path + "': " + why);
}

// Splits `name` around its one `%[0][width]d` conversion; `%%` stands for '%'. Returns
// false when there is none.
bool split_pattern(const std::string& path, const std::string& name, OutputPath& out) {
  bool found = false;
  std::string* part = &out.prefix;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') {
      *part += name[i];
      continue;
    }
    if (i + 1 < name.size() && name[i + 1] == '%') {
      *part += '%';
      ++i;
      continue;
    }
    size_t j = i + 1;
    const bool zero = j < name.size() && name[j] == '0';
    if (zero) ++j;
    const size_t digits_from = j;
    while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
    if (j >= name.size() || name[j] != 'd')
      throw bad(path, "'" + name.substr(i, std::min(j + 1, name.size()) - i) +
                          "' is not a frame number; write %d or %06d (six digits, zero-padded), "
                          "and %% for a literal '%'");
    if (found) throw bad(path, "has more than one frame number; give exactly one, e.g. %06d");
    found = true;
    out.zero_pad = zero;
    out.width = j > digits_from ? std::stoi(name.substr(digits_from, j - digits_from)) : 0;
    if (out.width > kMaxNumberWidth)
      throw bad(path, "the frame number is at most " + std::to_string(kMaxNumberWidth) +
                          " digits wide");
    part = &out.suffix;
    i = j;
  }
  return found;
}

}  // namespace

std::filesystem::path OutputPath::file_for(uint64_t number) const {
  std::string digits = std::to_string(number);
  if (digits.size() < static_cast<size_t>(width))
    digits.insert(0, static_cast<size_t>(width) - digits.size(), zero_pad ? '0' : ' ');
  return folder / (prefix + digits + suffix);
}

OutputPath parse_output_path(const std::string& path) {
  if (path.empty())
    throw std::invalid_argument(
        "parameter 'path' is empty: give a numbered image sequence such as "
        "out/knee/frame_%06d.png, or a video file such as out/knee.avi");
  OutputPath out;
  out.path = path;
  out.folder = out.path.parent_path();
  const std::string name = out.path.filename().string();
  if (name.empty() || name == "." || name == "..")
    throw bad(path, "ends in a folder; give a file name in it, e.g. frame_%06d.png");
  if (out.folder.string().find('%') != std::string::npos)
    throw bad(path, "the frame number belongs in the file name, not in the folder");
  const std::string ext = lower(out.path.extension().string());
  if (ext == ".png" || ext == ".jpg" || ext == ".jpeg") {
    out.kind = ext == ".png" ? OutputKind::png_sequence : OutputKind::jpeg_sequence;
    if (!split_pattern(path, name, out))
      throw bad(path, "an image sequence needs a frame number in the file name, e.g. " +
                          (out.folder / ("frame_%06d" + ext)).string());
  } else if (ext == ".avi" || ext == ".mp4") {
    out.kind = OutputKind::video;
    out.fourcc = ext == ".avi" ? "MJPG" : "mp4v";
    OutputPath probe;
    if (split_pattern(path, name, probe))
      throw bad(path, "a video is one file: remove the frame number, or write .png/.jpg "
                      "images instead");
  } else {
    throw bad(path, "unsupported extension '" + out.path.extension().string() +
                        "'; use .png or .jpg/.jpeg (an image per frame, e.g. frame_%06d.png), "
                        ".avi (MJPG video) or .mp4 (mp4v video)");
  }
  return out;
}

}  // namespace sonoflow::image_io
