// Net Promoter Score arithmetic: promoters score 9-10, passives 7-8,
// detractors 0-6; NPS = % promoters - % detractors, from -100 to +100.
#pragma once

#include <optional>

namespace feedback {

enum class NpsBand { detractor, passive, promoter };

// The band of a score 0-10; asserts on other scores.
NpsBand nps_band(int score);

struct NpsSummary {
    long promoters = 0;
    long passives = 0;
    long detractors = 0;

    long total() const { return promoters + passives + detractors; }
    void add(int score);
    // -100.0 to +100.0; nothing when there are no ratings (not 0: "no data"
    // must not look like a neutral score).
    std::optional<double> score() const;
    // The score rounded half away from zero, as dashboards show it.
    std::optional<int> rounded_score() const;
};

} // namespace feedback
