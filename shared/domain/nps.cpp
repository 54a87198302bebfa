// Net Promoter Score arithmetic (nps.h). The rounded score is computed in
// integers so that exact halves round away from zero without float doubt.
#include "nps.h"

#include <cassert>

namespace feedback {

NpsBand nps_band(int score)
{
    assert(score >= 0 && score <= 10 && "nps_band: an NPS score is 0-10");
    if (score <= 6)
        return NpsBand::detractor;
    if (score <= 8)
        return NpsBand::passive;
    return NpsBand::promoter;
}

void NpsSummary::add(int score)
{
    switch (nps_band(score)) {
    case NpsBand::detractor: ++detractors; break;
    case NpsBand::passive: ++passives; break;
    case NpsBand::promoter: ++promoters; break;
    }
}

std::optional<double> NpsSummary::score() const
{
    if (total() == 0)
        return std::nullopt;
    return 100.0 * static_cast<double>(promoters - detractors) / static_cast<double>(total());
}

std::optional<int> NpsSummary::rounded_score() const
{
    if (total() == 0)
        return std::nullopt;
    // round(100 * d / n) half away from zero = sign(d) * floor((200 |d| + n) / 2n)
    long difference = promoters - detractors;
    long magnitude = difference < 0 ? -difference : difference;
    long rounded = (200 * magnitude + total()) / (2 * total());
    return static_cast<int>(difference < 0 ? -rounded : rounded);
}

} // namespace feedback
