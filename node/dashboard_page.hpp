// The dashboard page served at GET /dashboard: one self-contained HTML document (inline CSS and JS, no CDN).
#pragma once

#include <string_view>

namespace ac {

/// The page. It polls /dashboard.json every two seconds and draws members, per-node charts
/// (SVG), breaker, memory, hot keys and recommendations. Every value from the node is put into
/// the page as text (textContent), never as HTML: keys are arbitrary bytes.
std::string_view dashboard_page();

} // namespace ac
