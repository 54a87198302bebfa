// The HTTP framing of head office's TLS front without a network: request
// heads (including the smuggling shapes it must refuse), chunked bodies fed
// in every possible split, and the framing of answers it relays.
#include "hq/front/http_framing.h"

#include <catch2/catch.hpp>

using namespace feedback::hq::front;

namespace {

RequestHead parsed(std::string_view text)
{
    auto result = parse_request_head(text);
    INFO(text);
    REQUIRE(std::holds_alternative<RequestHead>(result));
    return std::get<RequestHead>(result);
}

Refusal refused(std::string_view text)
{
    auto result = parse_request_head(text);
    INFO(text);
    REQUIRE(std::holds_alternative<Refusal>(result));
    return std::get<Refusal>(result);
}

} // namespace

TEST_CASE("a request head is read into method, target, framing and connection wishes", "[front]")
{
    auto head = parsed("POST /v1/batches?x=1 HTTP/1.1\r\nHost: hq\r\nContent-Length: 12\r\n"
                       "Content-Encoding: GZIP\r\nExpect: 100-continue\r\nConnection: close");
    CHECK(head.method == "POST");
    CHECK(head.target == "/v1/batches?x=1");
    CHECK(head.path() == "/v1/batches");
    CHECK(head.content_length == 12u);
    CHECK_FALSE(head.chunked);
    CHECK(head.content_encoding == "gzip");
    CHECK(head.expect_continue);
    CHECK(head.wants_close);
    REQUIRE(head.find("host"));
    CHECK(*head.find("HOST") == "hq");

    CHECK(parsed("GET / HTTP/1.0").wants_close);
    CHECK_FALSE(parsed("GET / HTTP/1.0\r\nConnection: keep-alive").wants_close);
    CHECK_FALSE(parsed("GET / HTTP/1.1").wants_close);
    CHECK(parsed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked").chunked);
    CHECK(parsed("POST / HTTP/1.1\r\nContent-Encoding: identity").content_encoding.empty());
    CHECK(parsed("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5").content_length == 5u);
}

TEST_CASE("request heads that could smuggle a second request or hide a body are refused", "[front]")
{
    CHECK(refused("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked").status == 400);
    CHECK(refused("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6").status == 400);
    CHECK(refused("POST / HTTP/1.1\r\nContent-Length: -1").status == 400);
    CHECK(refused("POST / HTTP/1.1\r\nContent-Length: 5 5").status == 400);
    CHECK(refused("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999").status == 400);
    CHECK(refused("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked").status == 501);
    CHECK(refused("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked").status == 501);
    CHECK(refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked").status == 400);
    CHECK(refused("POST / HTTP/1.1\r\nContent-Length : 5").status == 400);   // space before the colon
    CHECK(refused("POST / HTTP/1.1\r\nX-A: 1\r\n Content-Length: 5").status == 400); // folded line
    CHECK(refused("POST / HTTP/1.1\nContent-Length: 5").status == 400);     // bare LF
    CHECK(refused("POST / HTTP/1.1\r\nX-A: a\rb").status == 400);           // bare CR
    CHECK(refused("POST / HTTP/1.1\r\nX-A: a\x1b[31m").status == 400);      // control character
    CHECK(refused("POST / HTTP/1.1\r\nContent-Encoding: gzip, br").status == 415);
    CHECK(refused("POST / HTTP/1.1\r\nExpect: something-else").status == 417);
    CHECK(refused("GET http://elsewhere/ HTTP/1.1").status == 400);
    CHECK(refused("GET / HTTP/2.0").status == 505);
    CHECK(refused("GET /").status == 400);
    CHECK(refused("G@T / HTTP/1.1").status == 400);

    std::string many = "GET / HTTP/1.1";
    for (int i = 0; i < 101; ++i)
        many += "\r\nX-" + std::to_string(i) + ": 1";
    CHECK(refused(many).status == 431);
}

TEST_CASE("a chunked body is decoded the same however the bytes are split", "[front]")
{
    const std::string wire = "5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\nNEXT";
    const std::string body = "helloabcdefghijklmnopqrstuvwxyz";
    for (size_t split = 0; split <= wire.size(); ++split) {
        INFO("split at " << split);
        ChunkedDecoder decoder(1024);
        size_t used_first = 0;
        auto first = decoder.feed(std::string_view(wire).substr(0, split), used_first);
        REQUIRE(used_first <= split);
        size_t used_second = 0;
        auto status = first;
        if (first != ChunkedDecoder::Status::done)
            status = decoder.feed(std::string_view(wire).substr(split), used_second);
        REQUIRE(status == ChunkedDecoder::Status::done);
        CHECK(decoder.data() == body);
        CHECK(wire.substr(used_first + used_second) == (first == ChunkedDecoder::Status::done
                                                            ? wire.substr(used_first)
                                                            : std::string("NEXT")));
    }
    // One byte at a time.
    ChunkedDecoder decoder(1024);
    ChunkedDecoder::Status status = ChunkedDecoder::Status::need_more;
    size_t at = 0;
    while (status == ChunkedDecoder::Status::need_more && at < wire.size()) {
        size_t used = 0;
        status = decoder.feed(std::string_view(wire).substr(at, 1), used);
        at += used;
    }
    CHECK(status == ChunkedDecoder::Status::done);
    CHECK(decoder.data() == body);
    CHECK(wire.substr(at) == "NEXT");
}

TEST_CASE("a chunked body is counted against its limit as it arrives", "[front]")
{
    size_t used = 0;
    ChunkedDecoder small(10);
    CHECK(small.feed("5\r\nhello\r\n", used) == ChunkedDecoder::Status::need_more);
    CHECK(small.feed("6\r\n", used) == ChunkedDecoder::Status::too_large); // 11 > 10, before a byte of it
    ChunkedDecoder huge(1024);
    CHECK(huge.feed("FFFFFFFFFFFFFFFFFFFF\r\n", used) == ChunkedDecoder::Status::too_large);
    ChunkedDecoder bad(1024);
    CHECK(bad.feed("zz\r\n", used) == ChunkedDecoder::Status::malformed);
    ChunkedDecoder no_crlf(1024);
    CHECK(no_crlf.feed("2\r\nabX", used) == ChunkedDecoder::Status::malformed);
    ChunkedDecoder endless_line(1024);
    CHECK(endless_line.feed(std::string(2000, '1'), used) == ChunkedDecoder::Status::malformed);
}

TEST_CASE("the framing of an answer tells the front whether the connection can stay open", "[front]")
{
    auto sized = scan_response_head("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
    REQUIRE(sized);
    CHECK(sized->status == 200);
    CHECK(sized->head_bytes == 38);
    CHECK(sized->self_delimited);
    CHECK(scan_response_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false)->self_delimited);
    CHECK_FALSE(scan_response_head("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n\r\nabc", false)->self_delimited);
    CHECK(scan_response_head("HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n", false)->self_delimited);
    CHECK(scan_response_head("HTTP/1.1 200 OK\r\n\r\n", true)->self_delimited);
    CHECK_FALSE(scan_response_head("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", false));

    std::string rewritten = rewrite_connection(
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\n", "keep-alive");
    CHECK(rewritten == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n");
}
