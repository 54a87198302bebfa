// Head office's web dashboard (issue 5), served by feedback-hq on the same
// HTTPS port as the sync protocol: server-rendered HTML that works without
// JavaScript, in Dutch and English, for quality and customer-care staff.
//
// Routes (all below "/"; the protocol keeps "/v1/"):
//   GET  /login  POST /login  POST /logout  GET /lang/{nl|en}  GET /static/dashboard.css
//   GET  /status?ref=REF&key=KEY&lang=nl|en   the customer's status page (no login, pages_status.cpp)
//   GET  /overview  /complaints  /complaints/{id}  /complaints/{id}/contact
//   POST /complaints/{id}/root-cause  /actions  /actions/{action}/check  /reopen  /refer
//   GET  /callbacks  /callbacks/{rating}   POST /callbacks/{rating}/outcome
//   GET  /promises  /learning  /devices  /config  /users  /audit  /account
//   POST /devices/enrol  /devices/{id}/revoke  /config  /users  /users/{name}  /account/password
//   GET  /export/{complaints,callbacks,stores,weeks,promises,learning,devices,audit}.csv  /export/dump.json
//
// Every page but /login and /status needs a session (pages redirect to /login, exports
// and POSTs answer 401); every POST needs the session's CSRF token; roles
// (users.h) decide the rest (403). Personal data is shown to managers and
// admins only, and each view of it is written to the audit log.
#pragma once

#include "hq/hq_settings.h"
#include "hq/writer_turns.h"
#include "hq/web/users.h"

#include "domain/result.h"

#include <filesystem>
#include <functional>
#include <memory>

namespace httplib {
class Server;
}

namespace feedback::hq::web {

struct DashboardOptions {
    SessionLimits sessions;
    LoginLimits logins;
};

// Mounts the dashboard's routes on `http`. `writer_turns` are the
// process's writers' (writer_turns.h), `settings` the server's own, which
// outlive the routes (server.h ExtraRoutes). The routes keep the rest they
// need alive themselves. Fails when the embedded translations are broken.
Result<void> mount_dashboard(httplib::Server& http, const std::filesystem::path& dir, const HqSettings& settings,
                             WriterTurns& writer_turns, const DashboardOptions& options = {});

} // namespace feedback::hq::web
