// Setup shared by the tests of the customer's status pages and of the pages'
// security headers: head office publishes the shipped default configuration
// (its promises and categories are what the pages show).
#pragma once

#include "hq/hq_store.h"
#include "sync_support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace feedback::testing {

inline void publish_default_config(const HqProcess& hq)
{
    auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    REQUIRE(store->publish_config(
        "default",
        nlohmann::json::parse(read_text(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "assets/config/default.json")), 0));
}

} // namespace feedback::testing
