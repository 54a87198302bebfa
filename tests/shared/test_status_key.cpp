// Tests for the customer's status key (crypto/status_key.h): fresh keys are
// well formed and differ, the hash is the SHA-256 both sides compute, and the
// link carries the reference and, when given, the key.
#include "crypto/status_key.h"

#include <catch2/catch.hpp>

using namespace feedback;

TEST_CASE("status keys are 128 random bits in hex, and only their hash travels", "[status_key]")
{
    std::string key = crypto::make_status_key();
    CHECK(crypto::is_status_key(key));
    CHECK(crypto::make_status_key() != key);
    CHECK_FALSE(crypto::is_status_key("0123456789abcdef0123456789abcde"));   // 31
    CHECK_FALSE(crypto::is_status_key("0123456789ABCDEF0123456789ABCDEF"));  // upper case
    CHECK_FALSE(crypto::is_status_key("0123456789abcdef0123456789abcdeg"));  // not hex
    // sha256("0123456789abcdef0123456789abcdef"), worked out with sha256sum.
    CHECK(crypto::status_key_hash("0123456789abcdef0123456789abcdef")
          == "3eb1bd439947eb762998e566ccc2e099c791118b2f40579cc4f7da2b5061b7f9");
}

TEST_CASE("the status link names the reference and, for the decision, the key", "[status_key]")
{
    CHECK(crypto::status_link("https://hq.example.nl/status", "UTR-2A-0007-K", "00ff")
          == "https://hq.example.nl/status?ref=UTR-2A-0007-K&key=00ff");
    CHECK(crypto::status_link("https://hq.example.nl/status", "UTR-2A-0007-K", "")
          == "https://hq.example.nl/status?ref=UTR-2A-0007-K");
}
