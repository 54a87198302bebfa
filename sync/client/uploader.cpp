// The background uploader's thread: rounds of uploads and pulls, backoff,
// and sleeping on a condition variable in between.
#include "uploader.h"

#include "common/protocol.h"
#include "domain/clock.h"

namespace feedback::sync {

const char* to_string(UploaderState state)
{
    switch (state) {
    case UploaderState::starting: return "starting";
    case UploaderState::sending: return "sending";
    case UploaderState::idle: return "idle";
    case UploaderState::waiting_to_retry: return "waiting to retry";
    case UploaderState::needs_enrolment: return "needs enrolment";
    case UploaderState::stopped: return "stopped";
    }
    return "?";
}

Uploader::Uploader(std::filesystem::path data_dir, OpenOutbox open_outbox, UploaderOptions options)
    : m_data_dir(std::move(data_dir)), m_open_outbox(std::move(open_outbox)), m_options(std::move(options))
{
}

Uploader::~Uploader() { stop(); }

void Uploader::start()
{
    std::lock_guard lock(m_mutex);
    if (m_thread.joinable())
        return;
    m_stop = false;
    m_thread = std::thread([this] { run(); });
}

void Uploader::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void Uploader::notify_recorded()
{
    {
        std::lock_guard lock(m_mutex);
        m_recorded = true;
    }
    m_wake.notify_all();
}

void Uploader::offer_screenshot(std::string png, int64_t taken_at_ms)
{
    {
        std::lock_guard lock(m_mutex);
        m_screenshot = Screenshot{std::move(png), taken_at_ms};
        m_recorded = true; // wakes the thread like a recorded event
    }
    m_wake.notify_all();
}

UploaderStatus Uploader::status() const
{
    std::lock_guard lock(m_mutex);
    return m_status;
}

bool Uploader::stopping() const
{
    std::lock_guard lock(m_mutex);
    return m_stop;
}

void Uploader::set_state(UploaderState state, std::string error)
{
    std::lock_guard lock(m_mutex);
    m_status.state = state;
    if (!error.empty())
        m_status.last_error = std::move(error);
}

Uploader::Wake Uploader::sleep_for(std::chrono::milliseconds delay, WakeOn wake_on)
{
    bool wake_on_record = wake_on == WakeOn::stop_or_record;
    auto until = std::chrono::steady_clock::now() + delay;
    std::unique_lock lock(m_mutex);
    m_wake.wait_until(lock, until, [&] { return m_stop || (wake_on_record && m_recorded); });
    if (m_stop)
        return Wake::stop;
    if (wake_on_record && m_recorded) {
        m_recorded = false;
        return Wake::recorded;
    }
    return Wake::timer;
}

void Uploader::run()
{
    // Nothing may escape the thread: a bug becomes a stopped uploader with a
    // message, and the events stay in the store for the next start.
    try {
        run_loop();
        set_state(UploaderState::stopped);
    } catch (const std::exception& failure) {
        set_state(UploaderState::stopped, std::string("the uploader stopped after an internal error: ") + failure.what());
    } catch (...) {
        set_state(UploaderState::stopped, "the uploader stopped after an internal error");
    }
}

void Uploader::run_loop()
{
    auto random_delay = [&] {
        auto bound = static_cast<uint32_t>(std::max<int64_t>(1, m_options.startup_delay_max.count()));
        return std::chrono::milliseconds(random_below(bound));
    };
    if (sleep_for(random_delay(), WakeOn::stop_only) == Wake::stop)
        return;

    auto store = m_open_outbox();
    while (!store) {
        set_state(UploaderState::waiting_to_retry, "the local store: " + store.error().message);
        if (sleep_for(m_options.poll_interval, WakeOn::stop_only) == Wake::stop)
            return;
        store = m_open_outbox();
    }

    Backoff backoff(m_options.backoff);
    std::optional<Credentials> loaded_for;
    std::string refused_token; // head office said 401/403 to it: wait for a new enrolment
    std::unique_ptr<SyncSession> session;
    auto last_pull = std::chrono::steady_clock::time_point{};
    bool pull_due = true;

    for (;;) {
        // Credentials may appear or change while we run (enrolment from the command line).
        auto credentials = load_credentials(m_data_dir);
        if (!credentials || !*credentials || (*credentials)->token == refused_token) {
            if (!credentials || !*credentials)
                set_state(UploaderState::needs_enrolment,
                          credentials ? "this terminal is not enrolled with head office" : credentials.error().message);
            // A kiosk that has just been set up says so (notify_recorded).
            if (sleep_for(m_options.poll_interval, WakeOn::stop_or_record) == Wake::stop)
                return;
            continue;
        }
        if (!loaded_for || loaded_for->token != (*credentials)->token || loaded_for->server_url != (*credentials)->server_url) {
            loaded_for = **credentials;
            session = std::make_unique<SyncSession>(m_data_dir, **store, **credentials, m_options.session);
        }

        set_state(UploaderState::sending);
        bool failed = false;
        bool unauthorized = false;
        std::optional<std::chrono::milliseconds> retry_after;
        std::string error;
        for (;;) {
            UploadStep step = session->upload_next();
            if (step.kind == UploadStep::Kind::nothing_to_send)
                break;
            if (step.kind == UploadStep::Kind::retry || step.kind == UploadStep::Kind::untrusted) {
                failed = true;
                retry_after = step.retry_after;
                error = step.message;
                break;
            }
            if (step.kind == UploadStep::Kind::unauthorized) {
                unauthorized = true;
                error = step.message;
                break;
            }
            {
                std::lock_guard lock(m_mutex);
                m_status.acknowledged_this_run += step.acknowledged;
                m_status.quarantined_this_run += step.quarantined;
                m_status.last_success_at = now_utc_ms();
                m_status.last_error = step.kind == UploadStep::Kind::quarantined ? step.message : std::string();
            }
            if (backoff.failures() > 0) {
                // Head office answers again: spread the chain's terminals before the rest of the backlog goes.
                backoff.reset();
                if (sleep_for(random_delay(), WakeOn::stop_only) == Wake::stop)
                    return;
            } else if (stopping()) {
                return;
            }
        }
        if (!failed && !unauthorized &&
            (pull_due || std::chrono::steady_clock::now() - last_pull >= m_options.poll_interval)) {
            auto config = session->pull_config();
            if (config && config->kind == ConfigPull::Kind::updated && m_options.on_config_updated)
                m_options.on_config_updated();
            auto feed = config ? session->pull_feed() : Result<FeedPull>(config.error());
            if (!feed) {
                failed = true;
                error = feed.error().message;
            } else {
                last_pull = std::chrono::steady_clock::now();
                pull_due = false;
                std::lock_guard lock(m_mutex);
                m_status.last_success_at = now_utc_ms();
            }
        }
        if (!failed && !unauthorized) {
            std::optional<Screenshot> picture;
            {
                std::lock_guard lock(m_mutex);
                picture.swap(m_screenshot);
            }
            if (picture) {
                auto sent = session->send_screenshot(picture->png, picture->taken_at_ms);
                if (!sent && sent.error().kind != ErrorKind::invalid_input) {
                    failed = true; // sent again after the backoff, unless a newer one came meanwhile
                    error = sent.error().message;
                    std::lock_guard lock(m_mutex);
                    if (!m_screenshot)
                        m_screenshot = std::move(picture);
                }
            }
            if (session->screenshot_wanted() && m_options.on_screenshot_wanted)
                m_options.on_screenshot_wanted();
        }
        if (auto backlog = (*store)->outbox_size()) {
            std::lock_guard lock(m_mutex);
            m_status.backlog = *backlog;
        }

        if (unauthorized) {
            // Keep every event and stop calling with this token; look for a new enrolment on the timer.
            set_state(UploaderState::needs_enrolment, error);
            refused_token = loaded_for->token;
            loaded_for.reset();
            if (sleep_for(m_options.poll_interval, WakeOn::stop_only) == Wake::stop)
                return;
            continue;
        }
        if (failed) {
            set_state(UploaderState::waiting_to_retry, error);
            // During backoff a new event does not make us call early.
            if (sleep_for(backoff.next_delay(retry_after), WakeOn::stop_only) == Wake::stop)
                return;
            continue;
        }
        backoff.reset();
        {
            std::lock_guard lock(m_mutex);
            m_status.state = UploaderState::idle;
            m_status.last_error.clear();
        }
        if (sleep_for(m_options.poll_interval, WakeOn::stop_or_record) == Wake::stop)
            return;
    }
}

} // namespace feedback::sync
