// The dashboard's read model: head office's events projected into tables
// that the dashboard's figures (analytics.h) are read from with plain SQL.
// The projector follows the events table by its arrival sequence (`seq`)
// and remembers how far it got in the same database, in the same
// transaction as the rows it wrote, so a crash never projects an event twice
// or skips one.
//
// Tables (schema in hq_schema.cpp, for both backends; all derived, never edited by
// hand, and rebuilt by emptying them and setting the cursor to 0):
//
//   dashboard_cursor      one row: last_seq, the last events.seq projected
//   dashboard_ratings     one row per rating (nps.rated), with its detail
//                         (nps.detailed: reasons, comment, whether consented
//                         contact was given, never the contact itself) and
//                         its call-back (nps.followed_up: the last outcome)
//   dashboard_rating_reasons  each reason of a scored rating without misuse,
//                         with its store, time and score: the NPS drivers
//   dashboard_nps_days    promoters/passives/detractors per store and day,
//   dashboard_nps_weeks   and per store and week, and for the whole chain
//   dashboard_nps_chain_weeks  per week, misuse-marked ratings left out:
//                         what NPS over long periods is summed from
//   dashboard_complaints  one row per complaint: fold_complaint() over all of
//                         its events, the promised deadline from the store's
//                         configuration at projection time (the terminal's
//                         rule, config::complaint_deadline), its severity's
//                         rank in the dashboard's list, a customer key for
//                         repeat detection (a SHA-256, never the contact)
//                         and its nearest earlier complaint of the same
//                         customer and of the same product and category
//                         (kept as complaints come: the next one of each is
//                         linked again)
//   dashboard_complaint_weeks, dashboard_complaint_chain_weeks  complaint
//                         counts (opened, open, resolved, ...) per store and
//                         week and per chain week
//   dashboard_complaint_week_keys  per chain week, complaints by channel,
//                         category, root cause and remedy
//   dashboard_working_time_weeks, dashboard_repeat_weeks  per chain week,
//                         complaints by working hours (to the tenth) to the
//                         first answer and to the resolution, and by days to
//                         their nearest earlier one
//   dashboard_actions     corrective and preventive actions of each complaint
//   dashboard_stores      every store code the events have named (the
//                         dashboard's store choice)
//
// Days and weeks are the store's: each rating, complaint and action also
// keeps its time on the store's wall clock (occurred_local, opened_local,
// planned_local: TimeZone::wall_clock_ms in the zone of the store's calendar
// when projected), and the day counts and week starts are taken from those.
//
// The store of an event is events.store_code (the sending device's store;
// head office's own events carry the complaint's store).
//
//   catch_up():  cursor == max(seq)? --yes--> done (two small reads, no lock)
//                    | no
//                    v
//   +--> BEGIN; lock the cursor row (SQLite: BEGIN IMMEDIATE does it; PostgreSQL:
//   |    SELECT ... FOR UPDATE, so projectors in several processes take turns
//   |    and each goes on from where the last one committed)
//   |    read up to `chunk` events after the cursor
//   |    ratings: their store's wall clock worked out in C++ (StoreRules),
//   |    then multi-row upserts; details, call-backs: set-based upserts
//   |    each complaint the chunk touches: fold ALL its events again, replace its row
//   |    cursor = last seq of the chunk; COMMIT
//   +--- more events after the cursor?
//
// Events of one rating or complaint may arrive in any order and in
// different chunks: ratings are upserted field group by field group (the
// last detail and the last call-back by occurred_at, then id, win), and a
// complaint is always re-folded from all of its events, which the fold
// makes independent of their order.
//
// One Projector uses its HqStore's connection: one thread at a time, like
// the HqStore itself.
#pragma once

#include "hq/hq_store.h"
#include "hq/writer_turns.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <mutex>
#include <string>

namespace feedback::hq::dashboard {

struct CatchUp {
    int64_t events = 0;     // events projected by this call
    int64_t ratings = 0;    // of those, nps.rated
    int64_t complaint_folds = 0; // complaints folded (one touched in two chunks counts twice)
    int64_t chunks = 0;     // transactions committed
    int64_t cursor = 0;     // the last projected seq after the call
};

class Projector {
public:
    static constexpr int64_t default_chunk_events = 5000;

    // `store` must outlive the projector. `chunk_events`: events per
    // transaction (at least 1); smaller chunks hold a writer's turn shorter.
    explicit Projector(HqStore& store, int64_t chunk_events = default_chunk_events);

    // Projects every event after the cursor, in seq order, one transaction
    // per chunk. Errors are the storage's; what was committed before stays.
    // With `writer_turns` (the process's, hq/writer_turns.h), each chunk
    // takes a turn for its own transaction only, so uploads go on between
    // chunks.
    Result<CatchUp> catch_up(WriterTurns* writer_turns = nullptr);
    // The last projected seq (0 before the first catch_up).
    Result<int64_t> cursor();

private:
    HqStore* m_store;
    int64_t m_chunk_events;
};

// What tells the same customer again: "email:" + the trimmed, lower-case
// e-mail address, or else "phone:" + the phone number's digits (a leading
// "+" read as "00", so "+31 6 1234 5678" and "0031-612345678" match). Empty
// when the contact has neither. `contact` is a contact opened
// (HqStore::open_contact); dashboard_complaints keeps only its keyed hash
// (ContactKeyring::pseudonym), never the contact.
std::string customer_identity(const nlohmann::json& contact);

// A product reference as compared for repeats: trimmed, upper case; empty
// when none.
std::string normalise_product_ref(const std::string& product_ref);

} // namespace feedback::hq::dashboard
