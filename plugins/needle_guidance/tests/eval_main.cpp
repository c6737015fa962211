// needle_guidance_eval REC.sfrec... [--method hough|ransac] [--pixel MM] [--min-conf C] [--pooled]
//                     [--breakdown]
// Replays recordings of the simulated chain through needle guidance and prints accuracy
// against the simulator's truth (see sim_eval.hpp), one line per recording; --pooled adds
// a line over all of them (frames of every recording taken together); --breakdown adds
// detection by shaft length in view and by angle, and the tip error along the shaft
// (signed: a bias and a short-placed tail show apart). --dump FILE also
// writes every frame's result at full precision (to diff two builds).
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "sim_eval.hpp"

int main(int argc, char** argv) {
  using namespace sonoflow::needle;
  Method method = Method::hough;
  Settings settings;
  std::vector<std::string> files;
  std::FILE* dump = nullptr;
  bool pooled = false, breakdown = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--method" && i + 1 < argc) {
      method = std::strcmp(argv[++i], "ransac") == 0 ? Method::ransac : Method::hough;
    } else if (a == "--pixel" && i + 1 < argc) {
      settings.working_pixel_mm = std::stod(argv[++i]);
    } else if (a == "--min-conf" && i + 1 < argc) {
      settings.min_confidence = std::stod(argv[++i]);
    } else if (a == "--angles" && i + 2 < argc) {
      settings.angle_min_deg = std::stod(argv[++i]);
      settings.angle_max_deg = std::stod(argv[++i]);
    } else if (a == "--dump" && i + 1 < argc) {
      dump = std::fopen(argv[++i], "w");
      if (!dump) {
        std::fprintf(stderr, "needle_guidance_eval: cannot write %s\n", argv[i]);
        return 1;
      }
    } else if (a == "--pooled") {
      pooled = true;
    } else if (a == "--breakdown") {
      breakdown = true;
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr,
                   "usage: needle_guidance_eval REC.sfrec... [--method hough|ransac] [--pixel MM] "
                   "[--min-conf C] [--angles MIN MAX] [--pooled] [--breakdown] [--dump FILE]\n");
      return 2;
    } else {
      files.push_back(a);
    }
  }
  cv::setNumThreads(0);  // one core: the figure the guidance budget is stated for
  try {
    test::EvalStats all;
    for (const auto& f : files) {
      if (dump) std::fprintf(dump, "# %s\n", f.c_str());
      const auto st = test::evaluate(f, method, settings, dump);
      std::printf("%s: %s\n", f.c_str(), st.summary().c_str());
      all.add(st);
      if (breakdown) std::printf("%s", st.breakdown().c_str());
    }
    if (pooled) {
      std::printf("pooled (%zu recordings): %s\n", files.size(), all.summary().c_str());
      if (breakdown) std::printf("%s", all.breakdown().c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "needle_guidance_eval: %s\n", e.what());
    return 1;
  }
  if (dump) std::fclose(dump);
  return 0;
}
