// The messages head office sends a complainant (issue 11), as templates in
// the configuration it publishes: per message (acknowledgement, decision,
// survey) a subject and a body in every supported language, with
// placeholders in braces that are filled in when the message is queued:
//
//   every message    {name} {reference} {store} {status_link}
//   acknowledgement  {deadline} {customer_wish}
//   decision         {decision} {resolution}
//   survey           {survey_link}
//
// "{{" and "}}" stand for a literal brace. An unknown placeholder is an error
// that names the field and the placeholders that message knows, so a typo
// is caught on the configuration page, not in a customer's mailbox.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace feedback::config {

// The placeholders `message` (a vocabulary.h message kind) may use.
std::span<const std::string_view> placeholders_of(std::string_view message);

// What is wrong with a template, or nothing: an unknown placeholder, an
// unclosed brace. The words name the placeholders the message knows.
std::optional<std::string> template_problem(std::string_view text, std::string_view message);

// The template with each placeholder replaced by its value (a placeholder
// without a value becomes empty). Only for a template without problems.
std::string render_template(std::string_view text, const std::map<std::string, std::string>& values);

} // namespace feedback::config
