// Line candidates for the needle shaft, from two different methods that share the same
// input (a WorkImage) and output (lines in mm, best first):
//  - detect_hough: Hessian ridge filter (a Frangi-like bright-line measure at the shaft's
//    scale) keeping only ridges whose orientation is in the allowed angle range, a
//    Hough transform on the strongest ridge pixels, then a least-squares fit on the ridge
//    pixels near each Hough line;
//  - detect_ransac: white top-hat (bright structures thinner than ~3 mm) for candidate
//    pixels, RANSAC over pairs of them under the angle constraint, then the same fit.
// Neither decides whether a needle is there: the shaft profile (tip_search.hpp) does, the
// same way for both.
#pragma once

#include <vector>

#include "needle_types.hpp"
#include "work_image.hpp"

namespace sonoflow::needle {

struct Candidate {
  Line line;
  double score = 0;  // method-specific, only for ranking one method's candidates
};

// Whether a shaft direction (x, z) is in settings' angle range and allowed sides.
bool direction_allowed(const Vec2& dir, const Settings& s);

// Weighted total-least-squares line through points (mm): the principal axis of their
// weighted scatter, oriented into the body. Needs two or more points of positive weight.
Line fit_line(const std::vector<Vec2>& points_mm, const std::vector<double>& weights);

// The evidence pixels a refit weighs: those of `weight` (CV_32F over the work image) that
// are > 0, in row-major order, with their positions in mm. Found once per image, so that
// refining several candidates does not rescan the map or convert pixels to mm again.
struct Support {
  std::vector<Vec2> mm;
  std::vector<float> weight;
};
Support support_of(const WorkImage& w, const cv::Mat& weight);

// Refits `seed` on the support pixels within band_mm of it, twice, the second time in half
// the band: the fit no longer depends on the coarse seed (a Hough bin or a RANSAC pair).
// Returns the seed unchanged when fewer than `min_pixels` pixels support it.
Line refine_line(const Support& support, Line seed, double band_mm, int min_pixels = 8);

std::vector<Candidate> detect_hough(const WorkImage& w, const Settings& s);
std::vector<Candidate> detect_ransac(const WorkImage& w, const Settings& s);

}  // namespace sonoflow::needle
