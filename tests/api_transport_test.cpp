// The HTTPS transport without a TLS server: the client TLS context, and real loopback sockets
// that refuse, stay silent, or hang up. TLS end-to-end tests run against qbi-sim.
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "runner/api/client.h"
#include "runner/api/transport.h"
#include "tests/support/canned_server.h"
#include "tests/support/temp_dir.h"

namespace qbi {
namespace {

SignedRequest any_request(const Endpoint& ep) {
    Credentials c;
    c.access_key_id = "testid";
    c.access_key_secret = Secret("testsecret");
    SignInput in;
    in.host = ep.host_header();
    in.action = "CancelCollection";
    in.params = {{"UserId", "u"}, {"WorksId", "w"}};
    in.credentials = &c;
    in.timestamp = "2024-01-15T08:30:00Z";
    in.nonce = "n";
    return sign_v3(in);
}

// A loopback port nobody listens on: bound, noted and closed again.
std::uint16_t closed_port() {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    std::uint16_t port = s.address().port();
    s.close();
    return port;
}

TEST(TlsContext, SystemStoreIsStrict) {
    auto ctx = make_client_context(TlsOptions{});
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    EXPECT_EQ((*ctx)->verificationMode(), Poco::Net::Context::VERIFY_STRICT);
    EXPECT_TRUE((*ctx)->extendedCertificateVerificationEnabled());
    EXPECT_FALSE((*ctx)->isForServerUse());
}

TEST(TlsContext, MissingCaFileIsAClearConfigurationError) {
    test::TempDir dir;
    TlsOptions o;
    o.ca_file = (dir / "missing.pem").string();
    auto ctx = make_client_context(o);
    ASSERT_FALSE(ctx.ok());
    EXPECT_EQ(ctx.error().code, 78);
    EXPECT_EQ(ctx.error().message, "CA file " + o.ca_file + ": No such file or directory");
}

TEST(TlsContext, CaFileWithoutCertificatesIsRefused) {
    test::TempDir dir;
    TlsOptions o;
    o.ca_file = dir.write("garbage.pem", "this is not a PEM certificate\n").string();
    auto ctx = make_client_context(o);
    ASSERT_FALSE(ctx.ok());
    EXPECT_EQ(ctx.error().code, 78);
    EXPECT_EQ(ctx.error().message.rfind("CA file " + o.ca_file + " cannot be loaded: ", 0), 0u)
        << ctx.error().message;
}

// Nothing listens: the connection is refused, reported as ConnectionFailed, and the client
// classifies it as retryable with no HTTP status.
TEST(HttpsTransport, ClosedLoopbackPortIsConnectionFailed) {
    auto ctx = make_client_context(TlsOptions{});
    ASSERT_TRUE(ctx.ok());
    Endpoint ep{"127.0.0.1", closed_port()};
    HttpsTransport transport(ep, *ctx, TlsOptions{});
    HttpResponse r = transport.send(any_request(ep));
    EXPECT_EQ(r.error_code, kCodeConnection);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error_message, ep.url() + ": Connection refused");

    ManualClock clock;
    SequenceNonceSource nonces;
    Credentials c;
    c.access_key_id = "testid";
    c.access_key_secret = Secret("testsecret");
    QuickBiClient client(ep, c, SignatureScheme::V3, clock, nonces, transport);
    ApiResult a = client.call("CancelCollection", {{"UserId", "u"}});
    EXPECT_EQ(a.outcome, Outcome::Retryable);
    EXPECT_EQ(a.code, kCodeConnection);
    EXPECT_EQ(a.http_status, 0);
    EXPECT_EQ(transport.connections_opened(), 2);  // every attempt tried to connect
}

// A peer that accepts the TCP connection but never says a word: the TLS handshake times out
// after connect_timeout_ms.
TEST(HttpsTransport, SilentPeerTimesOut) {
    Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));  // never accepts
    TlsOptions o;
    o.connect_timeout_ms = 300;
    o.read_timeout_ms = 300;
    auto ctx = make_client_context(o);
    ASSERT_TRUE(ctx.ok());
    Endpoint ep{"127.0.0.1", listener.address().port()};
    HttpsTransport transport(ep, *ctx, o);
    HttpResponse r = transport.send(any_request(ep));
    EXPECT_EQ(r.error_code, kCodeTimeout) << r.error_message;
    EXPECT_EQ(r.error_message, ep.url() + ": timed out connecting or sending");
}

// A peer that accepts and hangs up at once (a crashed or overloaded server): ConnectionFailed.
TEST(HttpsTransport, PeerHangingUpIsConnectionFailed) {
    Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
    std::thread peer([&listener] {
        Poco::Net::StreamSocket s = listener.acceptConnection();
        s.close();
    });
    auto ctx = make_client_context(TlsOptions{});
    ASSERT_TRUE(ctx.ok());
    Endpoint ep{"127.0.0.1", listener.address().port()};
    HttpsTransport transport(ep, *ctx, TlsOptions{});
    HttpResponse r = transport.send(any_request(ep));
    peer.join();
    EXPECT_EQ(r.error_code, kCodeConnection) << r.error_message;
    EXPECT_EQ(r.status, 0);
}

// A plain-HTTP server on the port (a misconfigured endpoint): the handshake fails, no crash.
TEST(HttpsTransport, PlainHttpPeerFailsTheHandshake) {
    Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
    std::thread peer([&listener] {
        Poco::Net::StreamSocket s = listener.acceptConnection();
        const std::string reply =
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        char buf[1024];
        s.setReceiveTimeout(Poco::Timespan(2, 0));
        try {
            s.receiveBytes(buf, sizeof buf);
        } catch (...) {
        }
        s.sendBytes(reply.data(), static_cast<int>(reply.size()));
        s.close();
    });
    auto ctx = make_client_context(TlsOptions{});
    ASSERT_TRUE(ctx.ok());
    Endpoint ep{"127.0.0.1", listener.address().port()};
    HttpsTransport transport(ep, *ctx, TlsOptions{});
    HttpResponse r = transport.send(any_request(ep));
    peer.join();
    EXPECT_EQ(r.error_code, kCodeConnection) << r.error_message;
    EXPECT_EQ(r.status, 0);
}

// A server that trickles its answer a byte every 20 ms (4 s in all) never lets a read time out:
// api.call_timeout ends the whole call at 300 ms. The next call on the same transport gets its
// own deadline.
TEST(HttpsTransport, CallTimeoutCutsATricklingAnswer) {
    test::CannedServer server({{"CancelCollection", std::string(200, ' ') + "{}"}}, 20);
    TlsOptions o;
    o.ca_file = server.ca_file();
    o.call_timeout_ms = 300;
    auto ctx = make_client_context(o);
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    Endpoint ep = *parse_endpoint(server.endpoint());
    HttpsTransport t(ep, *ctx, o);
    for (int i = 0; i < 2; ++i) {
        const auto start = std::chrono::steady_clock::now();
        HttpResponse r = t.send(any_request(ep));
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
        EXPECT_EQ(r.error_code, kCodeTimeout);
        EXPECT_EQ(r.error_message,
                  ep.url() + ": no complete answer within api.call_timeout (300 ms)");
        EXPECT_EQ(r.status, 0);
        EXPECT_GE(ms, 300);
        EXPECT_LT(ms, 1500);
    }
}

// abort() from another thread cuts the call in progress at once (its socket is shut down),
// and every later call fails without being sent.
TEST(HttpsTransport, AbortCutsTheCallInProgressAndEveryLaterOne) {
    test::CannedServer server({{"CancelCollection", std::string(200, ' ') + "{}"}}, 20);
    TlsOptions o;
    o.ca_file = server.ca_file();
    auto ctx = make_client_context(o);
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    Endpoint ep = *parse_endpoint(server.endpoint());
    HttpsTransport t(ep, *ctx, o);
    const auto start = std::chrono::steady_clock::now();
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        t.abort();
    });
    HttpResponse r = t.send(any_request(ep));
    stopper.join();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    EXPECT_EQ(r.error_code, kCodeAborted);
    EXPECT_EQ(r.error_message,
              ep.url() + ": cut off: the runner is stopping (the call may have been sent)");
    EXPECT_LT(ms, 1500);
    EXPECT_EQ(t.connections_opened(), 1);
    r = t.send(any_request(ep));
    EXPECT_EQ(r.error_code, kCodeAborted);
    EXPECT_EQ(r.error_message, ep.url() + ": not sent: the runner is stopping");
    EXPECT_EQ(t.connections_opened(), 1);
}

// A complete answer within the deadline is an answer (the deadline does not outlive its call).
TEST(HttpsTransport, AnAnswerWithinTheCallTimeoutIsKept) {
    test::CannedServer server(std::map<std::string, std::string>{
        {"CancelCollection", R"({"RequestId":"r-1","Success":true})"}});
    TlsOptions o;
    o.ca_file = server.ca_file();
    o.call_timeout_ms = 200;
    auto ctx = make_client_context(o);
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    Endpoint ep = *parse_endpoint(server.endpoint());
    HttpsTransport t(ep, *ctx, o);
    for (int i = 0; i < 3; ++i) {
        HttpResponse r = t.send(any_request(ep));
        EXPECT_TRUE(r.complete()) << r.error_code << " " << r.error_message;
        EXPECT_EQ(r.status, 200);
        std::this_thread::sleep_for(std::chrono::milliseconds(150));  // past a stale deadline
    }
    EXPECT_EQ(t.connections_opened(), 1);
}

}  // namespace
}  // namespace qbi
