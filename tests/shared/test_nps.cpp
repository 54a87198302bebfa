// Tests of NPS arithmetic: the bands, the score, and how dashboards round it.
#include "domain/nps.h"

#include <catch2/catch.hpp>

using namespace feedback;

namespace {

NpsSummary summary(long promoters, long passives, long detractors)
{
    NpsSummary s;
    for (long i = 0; i < promoters; ++i)
        s.add(10);
    for (long i = 0; i < passives; ++i)
        s.add(7);
    for (long i = 0; i < detractors; ++i)
        s.add(0);
    return s;
}

} // namespace

TEST_CASE("scores fall into bands at 6/7 and 8/9", "[nps]")
{
    CHECK(nps_band(0) == NpsBand::detractor);
    CHECK(nps_band(6) == NpsBand::detractor);
    CHECK(nps_band(7) == NpsBand::passive);
    CHECK(nps_band(8) == NpsBand::passive);
    CHECK(nps_band(9) == NpsBand::promoter);
    CHECK(nps_band(10) == NpsBand::promoter);

    NpsSummary s;
    for (int score = 0; score <= 10; ++score)
        s.add(score);
    CHECK(s.detractors == 7);
    CHECK(s.passives == 2);
    CHECK(s.promoters == 2);
    CHECK(s.total() == 11);
}

TEST_CASE("no ratings is no score, not zero", "[nps]")
{
    NpsSummary empty;
    CHECK(empty.total() == 0);
    CHECK_FALSE(empty.score());
    CHECK_FALSE(empty.rounded_score());

    NpsSummary neutral = summary(1, 0, 1);
    CHECK(neutral.score() == 0.0);
    CHECK(neutral.rounded_score() == 0);
}

TEST_CASE("the score runs from -100 to +100", "[nps]")
{
    CHECK(summary(0, 0, 4).score() == -100.0);
    CHECK(summary(0, 0, 4).rounded_score() == -100);
    CHECK(summary(3, 0, 0).score() == 100.0);
    CHECK(summary(3, 0, 0).rounded_score() == 100);
    CHECK(summary(0, 5, 0).score() == 0.0);
}

TEST_CASE("a mixed set: 5 promoters, 3 passives, 2 detractors", "[nps]")
{
    // 50% promoters - 20% detractors = 30
    NpsSummary s = summary(5, 3, 2);
    CHECK(s.total() == 10);
    CHECK(s.score() == Approx(30.0));
    CHECK(s.rounded_score() == 30);
}

TEST_CASE("the rounded score rounds half away from zero", "[nps]")
{
    // 1 of 3 promoters: 33.33 -> 33
    CHECK(*summary(1, 2, 0).score() == Approx(33.3333));
    CHECK(summary(1, 2, 0).rounded_score() == 33);
    // 2 of 3 promoters: 66.67 -> 67
    CHECK(summary(2, 1, 0).rounded_score() == 67);
    // 1 promoter, 3 passives, 2 detractors: -16.67 -> -17
    CHECK(*summary(1, 3, 2).score() == Approx(-16.6667));
    CHECK(summary(1, 3, 2).rounded_score() == -17);
    // exact halves: 1 of 8 is 12.5 -> 13, and -12.5 -> -13
    CHECK(summary(1, 7, 0).score() == 12.5);
    CHECK(summary(1, 7, 0).rounded_score() == 13);
    CHECK(summary(0, 7, 1).score() == -12.5);
    CHECK(summary(0, 7, 1).rounded_score() == -13);
    // 3 promoters, 1 detractor of 4: 50 exactly; 1 of 200: 0.5 -> 1
    CHECK(summary(3, 0, 1).rounded_score() == 50);
    CHECK(summary(1, 199, 0).rounded_score() == 1);
    CHECK(summary(0, 199, 1).rounded_score() == -1);
    // just under a half stays down: 1 of 201 is 0.4975 -> 0
    CHECK(summary(1, 200, 0).rounded_score() == 0);
}
