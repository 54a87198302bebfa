// HTTP/1.1 request heads, chunked bodies and response framing for head
// office's TLS front (see http_framing.h).
#include "hq/front/http_framing.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace feedback::hq::front {

namespace {

// A request head has at most this many header lines (httplib's own limit is
// about the same); more is an attack, not a browser.
constexpr size_t max_header_lines = 100;
// A chunk-size line or trailer line longer than this is not a real client.
constexpr size_t max_chunk_line = 1024;
constexpr size_t max_trailer_bytes = 8 * 1024;

Refusal refuse(int status, sync::ErrorCode code, std::string message)
{
    return Refusal{status, std::move(code), std::move(message)};
}

bool is_token_char(char c)
{
    if (std::isalnum(static_cast<unsigned char>(c)))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

std::string lower(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// Calls `each` with every comma-separated, trimmed, lower-cased element.
template <class Each>
void for_each_element(std::string_view list, Each each)
{
    while (!list.empty()) {
        auto comma = list.find(',');
        auto element = trim(list.substr(0, comma));
        if (!element.empty())
            each(lower(element));
        if (comma == std::string_view::npos)
            break;
        list.remove_prefix(comma + 1);
    }
}

// Splits `text` at CRLF; a bare LF or CR is a framing error.
std::optional<std::vector<std::string_view>> crlf_lines(std::string_view text)
{
    std::vector<std::string_view> lines;
    while (true) {
        auto end = text.find("\r\n");
        auto line = text.substr(0, end);
        if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos)
            return std::nullopt;
        lines.push_back(line);
        if (end == std::string_view::npos)
            return lines;
        text.remove_prefix(end + 2);
    }
}

} // namespace

bool same_name(std::string_view name, std::string_view other)
{
    return name.size() == other.size() &&
           std::equal(name.begin(), name.end(), other.begin(), [](unsigned char a, unsigned char b) {
               return std::tolower(a) == std::tolower(b);
           });
}

std::string_view RequestHead::path() const
{
    return std::string_view(target).substr(0, target.find('?'));
}

const std::string* RequestHead::find(std::string_view name) const
{
    for (const auto& header : headers)
        if (same_name(header.name, name))
            return &header.value;
    return nullptr;
}

std::variant<RequestHead, Refusal> parse_request_head(std::string_view text)
{
    auto lines = crlf_lines(text);
    if (!lines || lines->empty())
        return refuse(400, sync::ErrorCode::bad_request, "the request head must end its lines with CR LF");
    if (lines->size() - 1 > max_header_lines)
        return refuse(431, sync::ErrorCode::headers_too_large, "more than " + std::to_string(max_header_lines) + " header lines");

    RequestHead head;
    std::string_view request_line = lines->front();
    auto first_space = request_line.find(' ');
    auto last_space = request_line.rfind(' ');
    if (first_space == std::string_view::npos || first_space == last_space)
        return refuse(400, sync::ErrorCode::bad_request, "the request line must be METHOD TARGET HTTP/1.1");
    head.method = std::string(request_line.substr(0, first_space));
    head.target = std::string(request_line.substr(first_space + 1, last_space - first_space - 1));
    head.version = std::string(request_line.substr(last_space + 1));
    if (!is_token(head.method))
        return refuse(400, sync::ErrorCode::bad_request, "the method is not a token");
    if (head.target.empty() || head.target.front() != '/' ||
        std::any_of(head.target.begin(), head.target.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; }))
        return refuse(400, sync::ErrorCode::bad_request, "the target must be a path starting with /");
    if (head.version != "HTTP/1.1" && head.version != "HTTP/1.0")
        return refuse(505, sync::ErrorCode::http_version, "only HTTP/1.1 and HTTP/1.0 are spoken here");
    head.wants_close = head.version == "HTTP/1.0";

    bool transfer_encoding_seen = false;
    for (size_t i = 1; i < lines->size(); ++i) {
        std::string_view line = (*lines)[i];
        if (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
            return refuse(400, sync::ErrorCode::bad_request, "folded header lines are not accepted");
        auto colon = line.find(':');
        if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
            return refuse(400, sync::ErrorCode::bad_request, "a header line must be NAME: VALUE");
        std::string_view value = trim(line.substr(colon + 1));
        if (std::any_of(value.begin(), value.end(),
                        [](unsigned char c) { return (c < ' ' && c != '\t') || c == 0x7f; }))
            return refuse(400, sync::ErrorCode::bad_request, "a header value holds a control character");
        Header header{std::string(line.substr(0, colon)), std::string(value)};

        if (same_name(header.name, "Content-Length")) {
            uint64_t length = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
            if (value.empty() || ec != std::errc{} || end != value.data() + value.size())
                return refuse(400, sync::ErrorCode::bad_request, "Content-Length must be a number");
            if (head.content_length && *head.content_length != length)
                return refuse(400, sync::ErrorCode::bad_request, "two different Content-Length headers");
            head.content_length = length;
        } else if (same_name(header.name, "Transfer-Encoding")) {
            if (transfer_encoding_seen || lower(value) != "chunked")
                return refuse(501, sync::ErrorCode::unsupported_transfer_encoding, "the only transfer coding accepted is chunked");
            transfer_encoding_seen = true;
            head.chunked = true;
        } else if (same_name(header.name, "Expect")) {
            if (lower(value) != "100-continue")
                return refuse(417, sync::ErrorCode::expectation_failed, "only Expect: 100-continue is understood");
            head.expect_continue = true;
        } else if (same_name(header.name, "Connection")) {
            for_each_element(value, [&](const std::string& option) {
                if (option == "close")
                    head.wants_close = true;
                else if (option == "keep-alive" && head.version == "HTTP/1.0")
                    head.wants_close = false;
            });
        } else if (same_name(header.name, "Content-Encoding")) {
            std::string coding = lower(value);
            if (!head.content_encoding.empty() || coding.find(',') != std::string::npos)
                return refuse(415, sync::ErrorCode::unsupported_encoding, "a body may have at most one content coding");
            head.content_encoding = coding == "identity" ? "" : coding;
        }
        head.headers.push_back(std::move(header));
    }
    if (head.chunked && head.content_length)
        return refuse(400, sync::ErrorCode::bad_request, "Content-Length and Transfer-Encoding together are not accepted");
    if (head.chunked && head.version != "HTTP/1.1")
        return refuse(400, sync::ErrorCode::bad_request, "chunked bodies need HTTP/1.1");
    return head;
}

// [SECTION] Chunked bodies

ChunkedDecoder::Status ChunkedDecoder::feed(std::string_view bytes, size_t& used)
{
    used = 0;
    auto take_line = [&](size_t max) -> std::optional<bool> { // true: a whole line in m_line
        while (used < bytes.size()) {
            char c = bytes[used++];
            m_line.push_back(c);
            if (m_line.size() > max)
                return std::nullopt;
            if (m_line.size() >= 2 && m_line.compare(m_line.size() - 2, 2, "\r\n") == 0) {
                m_line.resize(m_line.size() - 2);
                return true;
            }
        }
        return false;
    };
    while (m_state != State::done) {
        switch (m_state) {
        case State::size: {
            auto whole = take_line(max_chunk_line);
            if (!whole)
                return Status::malformed;
            if (!*whole)
                return Status::need_more;
            std::string_view size_text = std::string_view(m_line).substr(0, m_line.find(';'));
            size_text = trim(size_text);
            uint64_t size = 0;
            auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
            if (size_text.empty() || ec == std::errc::result_out_of_range)
                return ec == std::errc::result_out_of_range ? Status::too_large : Status::malformed;
            if (ec != std::errc{} || end != size_text.data() + size_text.size())
                return Status::malformed;
            m_line.clear();
            if (size > m_limit - m_data.size())
                return Status::too_large;
            m_remaining = size;
            m_state = size == 0 ? State::trailer : State::data;
            break;
        }
        case State::data: {
            size_t take = static_cast<size_t>(std::min<uint64_t>(m_remaining, bytes.size() - used));
            m_data.append(bytes.substr(used, take));
            used += take;
            m_remaining -= take;
            if (m_remaining > 0)
                return Status::need_more;
            m_state = State::data_end;
            break;
        }
        case State::data_end: {
            auto whole = take_line(2);
            if (!whole || (*whole && !m_line.empty()) || std::string_view("\r\n").substr(0, m_line.size()) != m_line)
                return Status::malformed;
            if (!*whole)
                return Status::need_more;
            m_state = State::size;
            break;
        }
        case State::trailer: {
            auto whole = take_line(max_chunk_line);
            if (!whole)
                return Status::malformed;
            if (!*whole)
                return Status::need_more;
            m_trailer_bytes += m_line.size() + 2;
            if (m_trailer_bytes > max_trailer_bytes)
                return Status::malformed;
            if (m_line.empty())
                m_state = State::done;
            m_line.clear();
            break;
        }
        case State::done:
            break;
        }
    }
    return Status::done;
}

// [SECTION] Responses

std::optional<ResponseHead> scan_response_head(std::string_view bytes, bool head_request)
{
    auto end = bytes.find("\r\n\r\n");
    if (end == std::string_view::npos)
        return std::nullopt;
    ResponseHead head;
    head.head_bytes = end + 4;
    auto lines = crlf_lines(bytes.substr(0, end));
    if (!lines || lines->empty() || lines->front().size() < 12 || lines->front().substr(0, 5) != "HTTP/")
        return head; // not self-delimited: the front closes after it
    std::string_view status_text = lines->front().substr(9, 3);
    std::from_chars(status_text.data(), status_text.data() + status_text.size(), head.status);
    head.self_delimited = head_request || head.status == 204 || head.status == 304 || (head.status >= 100 && head.status < 200);
    for (size_t i = 1; i < lines->size(); ++i) {
        std::string_view line = (*lines)[i];
        auto colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        std::string_view name = line.substr(0, colon);
        std::string value = lower(trim(line.substr(colon + 1)));
        if (same_name(name, "Content-Length") || (same_name(name, "Transfer-Encoding") && value == "chunked"))
            head.self_delimited = true;
    }
    return head;
}

std::string rewrite_connection(std::string_view head, std::string_view connection)
{
    std::string out;
    out.reserve(head.size() + 32);
    std::string_view rest = head;
    bool first = true;
    while (!rest.empty()) {
        auto end = rest.find("\r\n");
        std::string_view line = rest.substr(0, end);
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 2);
        if (line.empty())
            break; // the blank line: written below
        auto colon = line.find(':');
        std::string_view name = colon == std::string_view::npos ? std::string_view() : line.substr(0, colon);
        if (!first && (same_name(name, "Connection") || same_name(name, "Keep-Alive")))
            continue;
        first = false;
        out.append(line);
        out.append("\r\n");
    }
    out.append("Connection: ");
    out.append(connection);
    out.append("\r\n\r\n");
    return out;
}

} // namespace feedback::hq::front
