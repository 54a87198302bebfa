// Charts drawn by the server as inline SVG (no JavaScript, no inline styles:
// colours come from the stylesheet's classes, so they print and pass the
// Content-Security-Policy). Each chart carries a <title> for screen readers;
// pages also show the figures in a table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace feedback::hq::web {

struct TrendPoint {
    std::string label;           // "2026-W47"
    std::optional<double> value; // NPS -100..+100; nothing for a week without ratings
    int64_t count = 0;           // ratings that week
};

// A line of weekly NPS on a -100..+100 scale (a gap where a week has no
// ratings) over bars of the number of ratings.
std::string nps_trend_svg(const std::vector<TrendPoint>& points, const std::string& title,
                          const std::string& count_caption);

struct BarItem {
    std::string label;
    int64_t value = 0;
};

// Horizontal bars, longest first as given, with the value at each bar's end.
std::string bar_chart_svg(const std::vector<BarItem>& items, const std::string& title);

// One bar split into promoters, passives and detractors.
std::string nps_split_svg(long promoters, long passives, long detractors, const std::string& title);

} // namespace feedback::hq::web
