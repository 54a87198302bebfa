// Server-drawn SVG charts for the dashboard.
#include "svg.h"

#include "html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace feedback::hq::web {

namespace {

std::string number(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    return buffer;
}

std::string open_svg(double width, double height, const std::string& title, const std::string& css_class)
{
    return "<svg class=\"chart " + css_class + "\" viewBox=\"0 0 " + number(width) + " " + number(height) +
           "\" role=\"img\" aria-label=\"" + escape(title) + "\" xmlns=\"http://www.w3.org/2000/svg\"><title>" +
           escape(title) + "</title>";
}

} // namespace

std::string nps_trend_svg(const std::vector<TrendPoint>& points, const std::string& title,
                          const std::string& count_caption)
{
    constexpr double width = 1100;
    constexpr double left = 44;
    constexpr double right = 12;
    constexpr double top = 12;
    constexpr double line_height = 200; // the NPS area
    constexpr double gap = 18;
    constexpr double bars_height = 60;  // the count area
    constexpr double label_height = 40;
    constexpr double height = top + line_height + gap + bars_height + label_height;
    std::string svg = open_svg(width, height, title, "trend");
    double plot_width = width - left - right;
    size_t n = std::max<size_t>(points.size(), 1);
    double step = plot_width / static_cast<double>(n);
    auto x_of = [&](size_t i) { return left + step * (static_cast<double>(i) + 0.5); };
    auto y_of = [&](double nps) { return top + (100.0 - nps) / 200.0 * line_height; };

    // Grid: +100, +50, 0, -50, -100.
    for (int mark = 100; mark >= -100; mark -= 50) {
        double y = y_of(mark);
        svg += "<line class=\"" + std::string(mark == 0 ? "axis" : "grid") + "\" x1=\"" + number(left) + "\" x2=\"" +
               number(width - right) + "\" y1=\"" + number(y) + "\" y2=\"" + number(y) + "\"/>";
        svg += "<text class=\"tick\" x=\"" + number(left - 6) + "\" y=\"" + number(y + 4) + "\" text-anchor=\"end\">" +
               (mark > 0 ? "+" : "") + std::to_string(mark) + "</text>";
    }

    // Counts as bars.
    int64_t most = 1;
    for (const auto& point : points)
        most = std::max(most, point.count);
    double bars_top = top + line_height + gap;
    for (size_t i = 0; i < points.size(); ++i) {
        double h = bars_height * static_cast<double>(points[i].count) / static_cast<double>(most);
        double w = std::max(2.0, step * 0.6);
        svg += "<rect class=\"count\" x=\"" + number(x_of(i) - w / 2) + "\" y=\"" + number(bars_top + bars_height - h) +
               "\" width=\"" + number(w) + "\" height=\"" + number(h) + "\"><title>" + escape(points[i].label) + ": " +
               std::to_string(points[i].count) + "</title></rect>";
    }
    svg += "<text class=\"tick\" x=\"" + number(left - 6) + "\" y=\"" + number(bars_top + 10) +
           "\" text-anchor=\"end\">" + std::to_string(most) + "</text>";
    svg += "<text class=\"caption\" x=\"" + number(left) + "\" y=\"" + number(bars_top - 4) + "\">" +
           escape(count_caption) + "</text>";

    // The NPS line, broken where a week has no ratings.
    std::string path;
    bool pen_down = false;
    for (size_t i = 0; i < points.size(); ++i) {
        if (!points[i].value) {
            pen_down = false;
            continue;
        }
        path += (pen_down ? " L" : " M") + number(x_of(i)) + " " + number(y_of(*points[i].value));
        pen_down = true;
    }
    if (!path.empty())
        svg += "<path class=\"line\" d=\"" + path.substr(1) + "\"/>";
    for (size_t i = 0; i < points.size(); ++i)
        if (points[i].value)
            svg += "<circle class=\"dot\" cx=\"" + number(x_of(i)) + "\" cy=\"" + number(y_of(*points[i].value)) +
                   "\" r=\"3.5\"><title>" + escape(points[i].label) + ": " + format_nps(points[i].value) +
                   "</title></circle>";

    // Week labels, thinned out so they do not overlap.
    size_t every = std::max<size_t>(1, static_cast<size_t>(std::ceil(static_cast<double>(points.size()) / 12.0)));
    for (size_t i = 0; i < points.size(); i += every)
        svg += "<text class=\"tick\" x=\"" + number(x_of(i)) + "\" y=\"" + number(height - label_height + 16) +
               "\" text-anchor=\"middle\">" + escape(points[i].label) + "</text>";
    return svg + "</svg>";
}

std::string bar_chart_svg(const std::vector<BarItem>& items, const std::string& title)
{
    constexpr double width = 1100;
    constexpr double label_width = 320;
    constexpr double row = 26;
    double height = std::max(1.0, static_cast<double>(items.size())) * row + 8;
    std::string svg = open_svg(width, height, title, "bars");
    int64_t most = 1;
    for (const auto& item : items)
        most = std::max(most, item.value);
    double bar_space = width - label_width - 60;
    for (size_t i = 0; i < items.size(); ++i) {
        double y = 4 + row * static_cast<double>(i);
        double w = bar_space * static_cast<double>(items[i].value) / static_cast<double>(most);
        svg += "<text class=\"label\" x=\"" + number(label_width - 8) + "\" y=\"" + number(y + row * 0.65) +
               "\" text-anchor=\"end\">" + escape(items[i].label) + "</text>";
        svg += "<rect class=\"bar\" x=\"" + number(label_width) + "\" y=\"" + number(y + 4) + "\" width=\"" +
               number(std::max(w, 1.0)) + "\" height=\"" + number(row - 8) + "\"/>";
        svg += "<text class=\"value\" x=\"" + number(label_width + w + 6) + "\" y=\"" + number(y + row * 0.65) + "\">" +
               std::to_string(items[i].value) + "</text>";
    }
    return svg + "</svg>";
}

std::string nps_split_svg(long promoters, long passives, long detractors, const std::string& title)
{
    constexpr double width = 300;
    constexpr double height = 14;
    std::string svg = open_svg(width, height, title, "split");
    long total = promoters + passives + detractors;
    if (total <= 0)
        return svg + "<rect class=\"empty\" x=\"0\" y=\"0\" width=\"300\" height=\"14\"/></svg>";
    double x = 0;
    const std::pair<long, const char*> parts[] = {
        {detractors, "detractors"}, {passives, "passives"}, {promoters, "promoters"}};
    for (const auto& [count, css] : parts) {
        double w = width * static_cast<double>(count) / static_cast<double>(total);
        if (w > 0)
            svg += "<rect class=\"" + std::string(css) + "\" x=\"" + number(x) + "\" y=\"0\" width=\"" + number(w) +
                   "\" height=\"" + number(height) + "\"/>";
        x += w;
    }
    return svg + "</svg>";
}

} // namespace feedback::hq::web
