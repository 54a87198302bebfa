// The figures of the management review (ISO 9001 9.3, the Gouden Oor's
// audit) for a period and the chain or one store: complaints per channel
// and category, time to first answer and to resolution in working hours
// (median and 90th percentile), solved on the spot, escalation and reopen
// rates, remedies given, each promise met or not, satisfaction with the
// handling, repeat complaints, corrective actions planned, done and
// effective, NPS with its weekly trend and its drivers (the reasons shoppers
// chose, counted per band), and a search over shoppers' comments (SQLite FTS5).
//
// Working hours are the store's: the time inside the opening hours of its
// working days (config::working_time_between), in the store's configuration
// when the complaint was last projected (else the default calendar).
// Percentiles are by nearest rank: of n sorted values the p-th is the one at
// rank ceil(p * n), so every figure is a time a real complaint took.
#pragma once

#include "hq/dashboard/analytics.h"

#include <optional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::hq::dashboard {

// How long something took over a set of complaints, in working hours to the
// tenth (6 minutes), as the review shows them.
struct Spread {
    int64_t count = 0; // complaints measured
    std::optional<double> median_hours;
    std::optional<double> p90_hours;
};

struct RemedyRow {
    std::string resolution; // vocabulary.h's wire name
    int64_t count = 0;
    int64_t amount_cents = 0; // summed over those with an amount
};

// One reason shoppers chose after their score, counted in a band.
struct DriverRow {
    std::string band;      // "promoter", "passive", "detractor"
    std::string reason_id; // a configured reason
    int64_t count = 0;
};

struct Review {
    Overview overview;                   // NPS (chain, weekly trend) and complaint figures (satisfaction)
    std::vector<CountRow> by_channel;    // complaints opened in the period, most first
    std::vector<CountRow> by_category;
    Spread first_answer;                 // opened to the customer's first answer, of those answered
    Spread resolution;                   // opened to closed as resolved, of those so closed
    int64_t escalated = 0;               // of those opened, escalated at some time
    int64_t reopened = 0;                // reopened at least once
    std::optional<double> escalation_rate;
    std::optional<double> reopen_rate;
    std::vector<RemedyRow> remedies;     // the last remedy of each complaint given one, by resolution
    std::vector<PromiseMeasure> promises;
    int64_t repeats = 0;                 // repeat complaints (learning(), a 90-day window)
    int64_t actions_planned = 0;         // actions planned in the period on the filter's complaints
    int64_t actions_checked = 0;         // of those, checked
    int64_t actions_effective = 0;       // of those, found effective at the last check
    std::vector<DriverRow> drivers;      // per band (promoter, passive, detractor), most chosen first
};

Result<Review> review(sql::Connection& db, const Filter& filter, int64_t now_ms);

struct CommentHit {
    std::string rating_id;
    std::string store_code;
    int64_t rated_at = 0;
    int score = 0;
    std::string comment;
};

// Comments of ratings in the filter that hold every word of `words` (each
// word a prefix, any case; FTS5 syntax in `words` is taken as plain text),
// newest first, at most `limit`. Nothing for no words.
Result<std::vector<CommentHit>> search_comments(sql::Connection& db, const Filter& filter, std::string_view words,
                                                int64_t limit);

// The nearest-rank percentile (0 < p <= 1) of values given as value -> how
// many times it occurs; nothing when there are none.
std::optional<int64_t> nearest_rank(const std::map<int64_t, int64_t>& counts, double p);

} // namespace feedback::hq::dashboard
