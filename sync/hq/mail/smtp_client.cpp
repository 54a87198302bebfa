// Composing and sending one e-mail over SMTP with libcurl (smtp_client.h).
#include "hq/mail/smtp_client.h"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

namespace feedback::hq::mail {

namespace {

bool is_ascii(std::string_view text)
{
    return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string base64(std::string_view bytes)
{
    std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
}

// RFC 2047 encoded words for a header value that is not plain ASCII, each
// of at most 45 bytes of text (60 of base64), cut between UTF-8 characters.
std::string header_text(std::string_view text)
{
    if (is_ascii(text))
        return std::string(text);
    std::string out;
    size_t at = 0;
    while (at < text.size()) {
        size_t end = std::min(text.size(), at + 45);
        while (end < text.size() && end > at && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
            --end; // do not split a character
        if (!out.empty())
            out += "\r\n ";
        out += "=?UTF-8?B?" + base64(text.substr(at, end - at)) + "?=";
        at = end;
    }
    return out;
}

// "Name <a@b>" with the name encoded when it needs to be.
std::string mailbox_header(const std::string& mailbox)
{
    auto open = mailbox.rfind('<');
    if (open == std::string::npos || open == 0)
        return mailbox;
    std::string name = mailbox.substr(0, open);
    while (!name.empty() && name.back() == ' ')
        name.pop_back();
    return header_text(name) + " " + mailbox.substr(open);
}

std::string rfc5322_date(int64_t ms)
{
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char text[64];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[utc.tm_wday], utc.tm_mday,
                  months[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return text;
}

struct Upload {
    std::string_view text;
    size_t at = 0;
};

size_t read_upload(char* buffer, size_t size, size_t count, void* user)
{
    auto* upload = static_cast<Upload*>(user);
    size_t n = std::min(size * count, upload->text.size() - upload->at);
    std::memcpy(buffer, upload->text.data() + upload->at, n);
    upload->at += n;
    return n;
}

void init_curl_once()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

} // namespace

std::string compose(const OutgoingMail& mail)
{
    std::string text;
    text += "Date: " + rfc5322_date(mail.date_ms) + "\r\n";
    text += "From: " + mailbox_header(mail.from) + "\r\n";
    text += "To: <" + mail.to + ">\r\n";
    text += "Subject: " + header_text(mail.subject) + "\r\n";
    text += "Message-ID: " + mail.message_id + "\r\n";
    text += "Auto-Submitted: auto-generated\r\n";
    text += "MIME-Version: 1.0\r\n";
    text += "Content-Type: text/plain; charset=UTF-8\r\n";
    text += "Content-Transfer-Encoding: base64\r\n\r\n";
    std::string body;
    for (char c : mail.body) {
        if (c == '\n')
            body += "\r\n";
        else if (c != '\r')
            body += c;
    }
    std::string encoded = base64(body);
    for (size_t at = 0; at < encoded.size(); at += 76)
        text += encoded.substr(at, 76) + "\r\n";
    return text;
}

SendResult send_mail(const MailSettings& settings, const std::string& password, const OutgoingMail& mail)
{
    init_curl_once();
    CURL* curl = curl_easy_init();
    if (!curl)
        return {Delivery::temporary_failure, "libcurl could not start a transfer"};
    std::string text = compose(mail);
    Upload upload{text};
    char error[CURL_ERROR_SIZE] = {};
    std::string from = "<" + address_of(settings.mail_from) + ">";
    std::string to = "<" + mail.to + ">";
    curl_slist* recipients = curl_slist_append(nullptr, to.c_str());

    curl_easy_setopt(curl, CURLOPT_URL, settings.smtp_url.c_str());
    curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!settings.ca_file.empty())
        curl_easy_setopt(curl, CURLOPT_CAINFO, settings.ca_file.c_str());
    if (!settings.smtp_user.empty()) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, settings.smtp_user.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, password.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);

    CURLcode code = curl_easy_perform(curl);
    long reply = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);

    if (code == CURLE_OK)
        return {Delivery::accepted, std::to_string(reply)};
    std::string words = error[0] ? error : curl_easy_strerror(code);
    // libcurl's words may quote the recipient ("RCPT failed: 550 <a@b>"):
    // never keep a personal address in a reason that reaches logs and events.
    if (auto at = words.find('<'); at != std::string::npos)
        words = words.substr(0, at) + "<...>";
    std::string reason = (reply ? "SMTP " + std::to_string(reply) + ": " : std::string{}) + words;
    // A refusal of this message (5xx) is final; a login refusal is head
    // office's configuration, not the message's, so it waits for a fix.
    bool refused = reply >= 500 && reply < 600 && code != CURLE_LOGIN_DENIED;
    return {refused ? Delivery::permanent_failure : Delivery::temporary_failure, reason};
}

} // namespace feedback::hq::mail
