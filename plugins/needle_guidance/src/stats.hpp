// Order statistics the tip search and the significance test share.
#pragma once

#include <algorithm>
#include <vector>

namespace sonoflow::needle {

// The q-quantile (0..1) of v, lower of the two middle values for an even count; 0 for an
// empty v. Takes v by value: nth_element reorders it.
inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  auto k = v.begin() + static_cast<long>(q * (v.size() - 1));
  std::nth_element(v.begin(), k, v.end());
  return *k;
}

}  // namespace sonoflow::needle
