// One e-mail to one recipient over SMTP with libcurl: the message text
// (RFC 5322, UTF-8 subject and body, a Message-ID head office chooses so a
// resend is recognisable) and the send, which reports whether the server
// accepted it, refused it for now (try again later) or for good.
//
// smtp:// URLs require STARTTLS (CURLUSESSL_ALL: never in the clear);
// smtps:// speaks TLS from the start. The server's certificate is always
// checked, against MailSettings::ca_file when one is named.
#pragma once

#include "hq/mail/mail_settings.h"

#include <cstdint>
#include <string>

namespace feedback::hq::mail {

struct OutgoingMail {
    std::string message_id; // "<outbox-17.ack@feedback.example.nl>", with the brackets
    std::string from;       // a mailbox: "Klantenservice <service@example.nl>"
    std::string to;         // an address: "anna@example.nl"
    std::string subject;    // UTF-8, one line
    std::string body;       // UTF-8 plain text, lines end in "\n"
    int64_t date_ms = 0;    // UTC ms, for the Date header
};

// The message as sent: headers, a blank line, the body in base64; CRLF line ends.
std::string compose(const OutgoingMail& mail);

enum class Delivery {
    accepted,          // the server took it (250 after DATA)
    temporary_failure, // 4xx, no connection, a timeout, a TLS or login problem: try again later
    permanent_failure, // 5xx for this message (an unknown mailbox, a refused sender): do not retry
};

struct SendResult {
    Delivery delivery = Delivery::temporary_failure;
    std::string reason; // the server's reply or libcurl's words; never the recipient's address
};

SendResult send_mail(const MailSettings& settings, const std::string& password, const OutgoingMail& mail);

} // namespace feedback::hq::mail
