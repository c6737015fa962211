// The viewer's single page (HTML, CSS and JavaScript in one document, compiled into the
// plugin): no external assets, so it works offline and nothing is ever served from disk.
#pragma once

#include <string_view>

namespace sonoflow::web_viewer {

std::string_view page_html();

}  // namespace sonoflow::web_viewer
