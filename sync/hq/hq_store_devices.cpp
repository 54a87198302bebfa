// HqStore's enrolment codes, enrolment, devices (authenticate, revoke,
// leave, list) and their start-screen pictures (hq_store.h).
#include "hq_store.h"

#include "crypto/sha256.h"
#include "domain/ids.h"
#include "domain/refcode.h"

#include <cctype>
#include <set>

namespace feedback::hq {

namespace {

using sql::Statement;
using sql::Transaction;

constexpr size_t enrolment_code_length = 10;

Device device_from_row(const Statement& s)
{
    Device device;
    device.id = s.column_text(0);
    device.name = s.column_text(1);
    device.store_code = s.column_text(2);
    device.terminal_code = s.column_text(3);
    device.enrolled_at = s.column_int64(4);
    device.revoked_at = s.column_optional_int64(5);
    device.last_seen_at = s.column_optional_int64(6);
    device.events_received = s.column_int64(7);
    device.last_backlog = s.column_optional_int64(8);
    device.clock_offset_ms = s.column_optional_int64(9);
    device.app_version = s.column_text(10);
    if (auto condition = s.column_optional_text(11))
        device.condition = sync::condition_from_header(*condition);
    device.screenshot_requested_at = s.column_optional_int64(12);
    device.screenshot_taken_at = s.column_optional_int64(13);
    device.screenshot_received_at = s.column_optional_int64(14);
    device.left_at = s.column_optional_int64(15);
    return device;
}

constexpr const char* device_columns = "id, name, store_code, terminal_code, enrolled_at, revoked_at, last_seen_at, "
                                       "events_received, last_backlog, clock_offset_ms, app_version, condition, "
                                       "screenshot_requested_at, screenshot_taken_at, screenshot_received_at, left_at";

// How enrol() refuses a known device (PROTOCOL.md 2): the protocol's code
// (a 403), and words saying what to do.
Error enrol_refused(sync::ErrorCode code, std::string words)
{
    return sync::coded_error(ErrorKind::conflict, code, std::move(words));
}

} // namespace

std::optional<std::string> normalise_enrolment_code(std::string_view typed)
{
    std::string code;
    for (char c : typed) {
        if (c == '-' || c == ' ')
            continue;
        code.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (!is_refcode_segment(code, enrolment_code_length, enrolment_code_length))
        return std::nullopt;
    return code;
}

// [SECTION] Enrolment and devices

Result<EnrolmentCode> HqStore::create_enrolment_code(std::string_view store_code, std::string_view name,
                                                     int64_t now_ms, int64_t ttl_ms,
                                                     std::string_view replaces_device_id)
{
    if (!is_refcode_segment(store_code, refcode_store_length, refcode_store_length))
        return Error{ErrorKind::invalid_input, "store code \"" + std::string(store_code) + "\" must be " +
                                                   std::to_string(refcode_store_length) + " symbols of " +
                                                   std::string(refcode_alphabet)};
    if (name.empty() || name.size() > 100)
        return Error{ErrorKind::invalid_input, "the terminal's name must be 1-100 characters"};
    if (!replaces_device_id.empty()) {
        // An admin's decision about a terminal head office knows, in its own store only.
        auto owner = m_db->prepare("SELECT store_code FROM devices WHERE id = ?1");
        FEEDBACK_TRY(owner);
        auto found = owner->bind(1, replaces_device_id).step();
        FEEDBACK_TRY(found);
        std::string device(replaces_device_id);
        if (!*found)
            return Error{ErrorKind::not_found, "no device " + device +
                                                   " is enrolled here (feedback-hq devices lists them); a new "
                                                   "terminal needs no --replace"};
        std::string owner_store = owner->column_text(0);
        owner->reset();
        if (owner_store != store_code)
            return Error{ErrorKind::conflict, "device " + device + " is enrolled in store " + owner_store + ", not " +
                                                  std::string(store_code) +
                                                  ": a terminal never moves to another store; its replacement code "
                                                  "must be of store " + owner_store};
    }
    std::string raw;
    for (size_t i = 0; i < enrolment_code_length; ++i)
        raw.push_back(refcode_alphabet[sync::random_below(static_cast<uint32_t>(refcode_alphabet.size()))]);
    EnrolmentCode code{raw.substr(0, 5) + "-" + raw.substr(5), std::string(store_code), std::string(name),
                       now_ms + ttl_ms, std::string(replaces_device_id)};
    auto insert = m_db->prepare("INSERT INTO enrolment_codes(code_hash, store_code, name, created_at, expires_at, "
                               "replaces_device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    FEEDBACK_TRY(insert);
    insert->bind(1, crypto::sha256_hex(raw)).bind(2, store_code).bind(3, name).bind(4, now_ms).bind(5, code.expires_at);
    if (replaces_device_id.empty())
        insert->bind_null(6);
    else
        insert->bind(6, replaces_device_id);
    FEEDBACK_TRY(insert->run());
    return code;
}

Result<std::string> HqStore::next_terminal_code(std::string_view store_code, bool for_head_office)
{
    std::set<std::string> taken;
    auto stmt = m_db->cached("SELECT terminal_code FROM terminal_codes WHERE store_code = ?1");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, store_code);
    for (;;) {
        auto row = (*stmt)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        taken.insert((*stmt)->column_text(0));
    }
    // Head office asks for the code it prefers; terminals never get that one,
    // so that a store's complaints registered at head office read "...-HQ-...".
    if (for_head_office && !taken.contains(std::string(head_office_terminal_code)))
        return std::string(head_office_terminal_code);
    for (char first : refcode_alphabet)
        for (char second : refcode_alphabet) {
            std::string code{first, second};
            if (!taken.contains(code) && code != head_office_terminal_code)
                return code;
        }
    return Error{ErrorKind::conflict, "store " + std::string(store_code) + " has no terminal codes left"};
}

Result<Enrolled> HqStore::enrol(std::string_view typed_code, std::string_view device_id,
                                std::string_view app_version, int64_t now_ms, std::string_view current_token)
{
    auto code = normalise_enrolment_code(typed_code);
    if (!code)
        return Error{ErrorKind::not_found, "the enrolment code is unknown, used or expired"};
    if (!is_uuid(device_id))
        return Error{ErrorKind::invalid_input, "device_id: must be a UUID"};
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto find = m_db->prepare("SELECT store_code, name, replaces_device_id FROM enrolment_codes "
                             "WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2");
    FEEDBACK_TRY(find);
    auto found = find->bind(1, crypto::sha256_hex(*code)).bind(2, now_ms).step();
    FEEDBACK_TRY(found);
    if (!*found)
        return Error{ErrorKind::not_found, "the enrolment code is unknown, used or expired"};
    Enrolled enrolled;
    enrolled.device_id = std::string(device_id);
    enrolled.store_code = find->column_text(0);
    enrolled.name = find->column_text(1);
    std::string replaces = find->column_text(2);
    find->reset();
    // Every refusal below returns before anything is written: the
    // transaction rolls back, the code stays unused and the device as it was.
    if (!replaces.empty() && replaces != device_id)
        return enrol_refused(sync::ErrorCode::replace_code_other_device,
                             "this code was made to replace another terminal, not device " + enrolled.device_id +
                                 ": head office must make a code for this one");

    auto existing = m_db->prepare("SELECT store_code, terminal_code, token_hash, revoked_at FROM devices WHERE id = ?1");
    FEEDBACK_TRY(existing);
    auto known = existing->bind(1, device_id).step();
    FEEDBACK_TRY(known);
    if (*known) {
        // Device ids are public (every event carries one): a known device
        // proves itself with its token, or an admin made a code for it.
        std::string store_code = existing->column_text(0);
        enrolled.terminal_code = existing->column_text(1);
        bool token_matches = !current_token.empty() && crypto::sha256_hex(current_token) == existing->column_text(2);
        bool revoked = !existing->is_null(3);
        existing->reset();
        if (store_code != enrolled.store_code)
            return enrol_refused(sync::ErrorCode::device_enrolled_elsewhere,
                                 "device " + enrolled.device_id + " is enrolled in store " + store_code +
                                     ", and a terminal never moves to another store: enrol it with a code of store " +
                                     store_code);
        if (replaces.empty() && revoked)
            return enrol_refused(sync::ErrorCode::device_revoked,
                                 "device " + enrolled.device_id +
                                     " was revoked by head office; only head office can let it back in, with a "
                                     "replacement code (feedback-hq enroll --replace " + enrolled.device_id + ")");
        if (replaces.empty() && !token_matches)
            return enrol_refused(sync::ErrorCode::device_already_enrolled,
                                 "device " + enrolled.device_id + " is already enrolled in store " + store_code +
                                     "; enrolling it again needs its current token, or a replacement code from "
                                     "head office (feedback-hq enroll --replace " + enrolled.device_id + ")");
    } else {
        auto terminal_code = next_terminal_code(enrolled.store_code);
        FEEDBACK_TRY(terminal_code);
        enrolled.terminal_code = *terminal_code;
        auto reserve = m_db->prepare("INSERT INTO terminal_codes(store_code, terminal_code, device_id) VALUES (?1, ?2, ?3)");
        FEEDBACK_TRY(reserve);
        FEEDBACK_TRY(reserve->bind(1, enrolled.store_code).bind(2, enrolled.terminal_code).bind(3, device_id).run());
    }

    enrolled.token = sync::random_hex(32);
    auto upsert = m_db->prepare(R"sql(
        INSERT INTO devices(id, name, store_code, terminal_code, token_hash, enrolled_at, app_version)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT(id) DO UPDATE SET name = excluded.name, store_code = excluded.store_code,
            terminal_code = excluded.terminal_code, token_hash = excluded.token_hash,
            enrolled_at = excluded.enrolled_at, revoked_at = NULL, app_version = excluded.app_version)sql");
    FEEDBACK_TRY(upsert);
    FEEDBACK_TRY(upsert->bind(1, device_id)
                     .bind(2, enrolled.name)
                     .bind(3, enrolled.store_code)
                     .bind(4, enrolled.terminal_code)
                     .bind(5, crypto::sha256_hex(enrolled.token))
                     .bind(6, now_ms)
                     .bind(7, app_version)
                     .run());
    auto use = m_db->prepare("UPDATE enrolment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1");
    FEEDBACK_TRY(use);
    FEEDBACK_TRY(use->bind(1, crypto::sha256_hex(*code)).bind(2, now_ms).bind(3, device_id).run());
    FEEDBACK_TRY(txn->commit());
    return enrolled;
}

Result<Device> HqStore::authenticate(std::string_view token)
{
    auto stmt = m_db->cached(std::string("SELECT ") + device_columns + " FROM devices WHERE token_hash = ?1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, crypto::sha256_hex(token)).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return Error{ErrorKind::not_found, "the device token is not known here: enrol the terminal"};
    Device device = device_from_row(**stmt);
    (*stmt)->reset();
    if (device.revoked_at)
        return Error{ErrorKind::conflict, "this device was revoked by head office: enrol the terminal again"};
    return device;
}

Result<void> HqStore::revoke(std::string_view device_id, int64_t now_ms)
{
    auto stmt = m_db->prepare("UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL RETURNING 1");
    FEEDBACK_TRY(stmt);
    auto revoked = stmt->bind(1, device_id).bind(2, now_ms).step();
    FEEDBACK_TRY(revoked);
    stmt->reset();
    if (!*revoked) {
        auto known = m_db->prepare("SELECT 1 FROM devices WHERE id = ?1");
        FEEDBACK_TRY(known);
        auto row = known->bind(1, device_id).step();
        FEEDBACK_TRY(row);
        if (!*row)
            return Error{ErrorKind::not_found, "no device " + std::string(device_id) + " is enrolled here"};
        return Error{ErrorKind::conflict, "device " + std::string(device_id) + " was already revoked"};
    }
    return {};
}

Result<void> HqStore::leave(std::string_view device_id, int64_t now_ms)
{
    auto stmt = m_db->prepare(
        "UPDATE devices SET revoked_at = ?2, left_at = ?2 WHERE id = ?1 AND revoked_at IS NULL RETURNING 1");
    FEEDBACK_TRY(stmt);
    auto left = stmt->bind(1, device_id).bind(2, now_ms).step();
    FEEDBACK_TRY(left);
    stmt->reset();
    if (!*left)
        return Error{ErrorKind::conflict, "device " + std::string(device_id) + " is not enrolled here (any more)"};
    return {};
}

Result<std::vector<Device>> HqStore::devices()
{
    auto stmt = m_db->prepare(std::string("SELECT ") + device_columns + " FROM devices ORDER BY store_code, terminal_code");
    FEEDBACK_TRY(stmt);
    std::vector<Device> out;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            return out;
        out.push_back(device_from_row(*stmt));
    }
}

Result<Device> HqStore::device(std::string_view device_id)
{
    auto stmt = m_db->prepare(std::string("SELECT ") + device_columns + " FROM devices WHERE id = ?1");
    FEEDBACK_TRY(stmt);
    auto row = stmt->bind(1, device_id).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return Error{ErrorKind::not_found, "no terminal " + std::string(device_id) + " is enrolled"};
    return device_from_row(*stmt);
}

// [SECTION] Screenshots

Result<void> HqStore::request_screenshot(std::string_view device_id, int64_t now_ms)
{
    auto known = device(device_id);
    FEEDBACK_TRY(known);
    if (known->revoked_at)
        return Error{ErrorKind::conflict, "terminal " + std::string(device_id) + " was revoked"};
    auto stmt = m_db->prepare("UPDATE devices SET screenshot_requested_at = ?2 WHERE id = ?1");
    FEEDBACK_TRY(stmt);
    return stmt->bind(1, device_id).bind(2, now_ms).run();
}

Result<void> HqStore::store_screenshot(std::string_view device_id, std::string_view png, int64_t taken_at_ms,
                                       int64_t now_ms)
{
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto picture = m_db->prepare("INSERT INTO device_screenshots(device_id, png) VALUES (?1, ?2) "
                                "ON CONFLICT(device_id) DO UPDATE SET png = excluded.png");
    FEEDBACK_TRY(picture);
    FEEDBACK_TRY(picture->bind(1, device_id).bind_blob(2, png).run());
    auto times = m_db->prepare("UPDATE devices SET screenshot_taken_at = ?2, screenshot_received_at = ?3 WHERE id = ?1");
    FEEDBACK_TRY(times);
    FEEDBACK_TRY(times->bind(1, device_id).bind(2, taken_at_ms).bind(3, now_ms).run());
    return txn->commit();
}

Result<std::optional<std::string>> HqStore::screenshot(std::string_view device_id)
{
    auto stmt = m_db->prepare("SELECT png FROM device_screenshots WHERE device_id = ?1");
    FEEDBACK_TRY(stmt);
    auto row = stmt->bind(1, device_id).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<std::string>();
    return std::optional<std::string>(stmt->column_blob(0));
}

} // namespace feedback::hq
