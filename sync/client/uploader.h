// The terminal's background uploader: a thread with its own connection to
// the store (an Outbox) that uploads the outbox and pulls configuration and
// the store feed. It sleeps on a condition variable between rounds, so days offline
// cost no CPU and no growing memory; it wakes when an event is recorded
// (notify_recorded), when its timer runs out, or when stopped. Retries use
// full-jitter backoff on the monotonic clock (backoff.h). No exception leaves
// the thread; its state is read with status() (the staff status panel).
//
//   start() --> STARTING --(random delay)--> SENDING <---- event recorded / timer ----+
//                                              |                                       |
//                 +----------------------------+------------------------+              |
//                 v                            v                        v              |
//          WAITING_TO_RETRY              NEEDS_ENROLMENT              IDLE ------------+
//          (backoff, then SENDING)       (401/403 or no credentials;
//                                         checks the credentials file
//                                         on its timer)
//   stop() from any state --> STOPPED
#pragma once

#include "backoff.h"
#include "outbox.h"
#include "sync_session.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace feedback::sync {

struct UploaderOptions {
    SessionOptions session;
    BackoffPolicy backoff;
    std::chrono::milliseconds poll_interval{60 * 1000};       // pull and re-check this often when idle
    std::chrono::milliseconds startup_delay_max{30 * 1000};   // random delay after start and after recovery
    // Called on the uploader's thread after a new configuration from head
    // office was written to DATA_DIR/config.json. Must be quick and thread-safe.
    std::function<void()> on_config_updated;
    // Called on the uploader's thread when head office's answer says a user
    // asked for a screenshot of the start screen (the kiosk then offers one
    // with offer_screenshot). Must be quick and thread-safe.
    std::function<void()> on_screenshot_wanted;
};

enum class UploaderState { starting, sending, idle, waiting_to_retry, needs_enrolment, stopped };
const char* to_string(UploaderState state);

struct UploaderStatus {
    UploaderState state = UploaderState::starting;
    std::optional<int64_t> last_success_at; // UTC ms of the last acknowledged batch or pull
    int64_t backlog = 0;                     // events not yet acknowledged
    int64_t quarantined_this_run = 0;
    int64_t acknowledged_this_run = 0;
    std::string last_error;                  // in words; empty after a success
};

class Uploader {
public:
    // `open_outbox` opens the uploader's own connection to the store (on its thread).
    Uploader(std::filesystem::path data_dir, OpenOutbox open_outbox, UploaderOptions options);
    ~Uploader(); // stops and joins
    Uploader(const Uploader&) = delete;
    Uploader& operator=(const Uploader&) = delete;

    void start();
    // Wakes the thread and waits for it to finish its current request.
    void stop();
    // Called after an event is committed (UI thread): takes a mutex, never waits on the network.
    void notify_recorded();
    // A PNG of the start screen for head office, sent in the next round
    // (UI thread; a later one replaces one not yet sent).
    void offer_screenshot(std::string png, int64_t taken_at_ms);
    UploaderStatus status() const;

private:
    enum class Wake { timer, recorded, stop };
    enum class WakeOn { stop_only, stop_or_record };
    void run();
    void run_loop();
    // Sleeps until `delay` has passed on the monotonic clock, or stop (or a
    // recorded event, if asked).
    Wake sleep_for(std::chrono::milliseconds delay, WakeOn wake_on);
    bool stopping() const;
    void set_state(UploaderState state, std::string error = {});

    std::filesystem::path m_data_dir;
    OpenOutbox m_open_outbox;
    UploaderOptions m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    bool m_recorded = false;
    struct Screenshot {
        std::string png;
        int64_t taken_at_ms = 0;
    };
    std::optional<Screenshot> m_screenshot; // offered, not yet sent
    UploaderStatus m_status;
    std::thread m_thread;
};

} // namespace feedback::sync
