// A head office for the harnesses that drive its routes: a fresh private
// temporary folder with hq.db, a contact key beside it (as `feedback-hq
// init` makes one), the default configuration published for store UTR (so
// it is known and has complaint categories), and whatever a
// harness adds before snapshot(). restore() puts the database back to that
// snapshot, so each input meets the same head office whatever came before
// it, and a crash found after many inputs reproduces from its input alone.
#pragma once

#include "domain/result.h"
#include "hq/hq_settings.h"
#include "hq/hq_store.h"
#include "hq/writer_turns.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string_view>

struct sqlite3;

namespace feedback::fuzz {

// The store the fixture's configuration is published for.
inline constexpr std::string_view fixture_store = "UTR";

// Setting up a harness has no error to return to libFuzzer: a failure there
// is a broken harness, said and ended here.
[[noreturn]] void setup_failed(std::string_view what, const Error& error);
template <class T>
T must(Result<T> result, std::string_view what)
{
    if (!result)
        setup_failed(what, result.error());
    return std::move(result).value();
}
inline void must(const Result<void>& result, std::string_view what)
{
    if (!result)
        setup_failed(what, result.error());
}

class HqFixture {
public:
    HqFixture();
    ~HqFixture();
    HqFixture(const HqFixture&) = delete;
    HqFixture& operator=(const HqFixture&) = delete;

    const std::filesystem::path& dir() const { return m_dir; }
    // A connection of the fixture's own, for setting up.
    hq::HqStore& store() { return *m_store; }

    // Keeps the database as it is now; restore() goes back to it.
    void snapshot();
    void restore();

    // What the routes are given: hq.json's defaults without the rate limits
    // per token and per address (a fuzzer sends thousands of requests a second).
    hq::HqSettings settings;
    hq::WriterTurns writer_turns{sql::Backend::sqlite};

private:
    std::filesystem::path m_root; // the temporary folder: hq/ (the data folder) and keys/
    std::filesystem::path m_dir;
    std::optional<hq::HqStore> m_store;
    sqlite3* m_snapshot = nullptr; // an in-memory copy of hq.db
};

} // namespace feedback::fuzz
