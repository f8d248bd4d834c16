// Server identity: the name a CA-issued certificate must carry, pinned certificates
// trusted by identity, and Extended Master Secret required on both sides.
#include "harness.hpp"

#include <doctest/doctest.h>

using namespace gs::dtls::test;

namespace {

const gs::dtls::GeneratedCertificate& test_ca() {
  static const auto ca = gs::dtls::generate_self_signed({"identity-test-ca", {}, 30});
  return ca;
}

// gateway.example, 127.0.0.1 and ::1, issued by test_ca().
const gs::dtls::GeneratedCertificate& gateway_cert() {
  static const auto cert =
      gs::dtls::issue_certificate({"gateway", {"gateway.example"}, 30, {"127.0.0.1", "::1"}}, test_ca());
  return cert;
}

// world.example, issued by the same CA.
const gs::dtls::GeneratedCertificate& world_cert() {
  static const auto cert =
      gs::dtls::issue_certificate({"world", {"world.example"}, 30, {"10.0.0.7"}}, test_ca());
  return cert;
}

gs::dtls::ServerConfig serving(const gs::dtls::GeneratedCertificate& cert) {
  gs::dtls::ServerConfig c;
  c.certificate_pem = cert.certificate_pem;
  c.private_key_pem = cert.private_key_pem;
  return c;
}

std::shared_ptr<gs::dtls::ClientContext> trusting(const std::string& pem) {
  gs::dtls::ClientConfig c;
  c.ca_pem = pem;
  return std::make_shared<gs::dtls::ClientContext>(c);
}

}  // namespace

TEST_CASE("a certificate from the trusted CA with another name is refused") {
  World w(serving(world_cert()));
  Peer& p = w.add_client(trusting(test_ca().certificate_pem), "gateway.example");
  CHECK_FALSE(w.connect(p));
  REQUIRE(p.events.closed);
  CHECK(*p.events.closed == gs::EndCode::handshake_failed);
  CHECK(p.events.detail == "server certificate does not name gateway.example");
  CHECK(w.server->established_count() == 0);

  Peer& by_address = w.add_client(trusting(test_ca().certificate_pem), "127.0.0.1");
  CHECK_FALSE(w.connect(by_address));
  CHECK(by_address.events.detail == "server certificate does not name 127.0.0.1");
}

TEST_CASE("a CA-issued certificate is accepted for its DNS name and each of its IP addresses") {
  World w(serving(gateway_cert()));
  for (const char* name : {"gateway.example", "GATEWAY.example", "127.0.0.1", "::1", "[::1]"}) {
    Peer& p = w.add_client(trusting(test_ca().certificate_pem), name);
    CHECK_MESSAGE(w.connect(p), name << ": " << p.events.detail);
  }
  for (const char* name : {"127.0.0.2", "::2", "example", "gateway.example.evil", "localhost"}) {
    Peer& p = w.add_client(trusting(test_ca().certificate_pem), name);
    CHECK_MESSAGE(!w.connect(p), name);
  }
}

TEST_CASE("a CA-issued certificate is refused when the client has no name to check") {
  World w(serving(gateway_cert()));
  Peer& p = w.add_client(trusting(test_ca().certificate_pem));
  CHECK_FALSE(w.connect(p));
  CHECK(p.events.detail == "no server name to check the CA-issued server certificate against");
}

TEST_CASE("a configured server name replaces the name the client dials") {
  World w(serving(gateway_cert()));
  gs::dtls::ClientConfig c;
  c.ca_pem = test_ca().certificate_pem;
  c.server_name = "gateway.example";
  auto context = std::make_shared<gs::dtls::ClientContext>(c);
  CHECK(w.connect(w.add_client(context)));
  CHECK(w.connect(w.add_client(context, "10.1.2.3")));
  c.server_name = "world.example";
  CHECK_FALSE(w.connect(w.add_client(std::make_shared<gs::dtls::ClientContext>(c), "gateway.example")));
}

TEST_CASE("a certificate that is itself in the trust file is trusted by identity, whatever its name") {
  World w;  // server_cert(): self-signed, named localhost
  std::string bundle = test_ca().certificate_pem + server_cert().certificate_pem;
  for (const char* name : {"", "localhost", "127.0.0.1", "gateway.example"}) {
    Peer& p = w.add_client(trusting(bundle), name);
    CHECK_MESSAGE(w.connect(p), name << ": " << p.events.detail);
  }
  Peer& pinned = w.add_client(pinned_context(), "gateway.example");
  CHECK(w.connect(pinned));
  // The CA in the same file still needs the name of what it issued: it does not make
  // its own certificate a wildcard.
  World issued(serving(world_cert()));
  CHECK_FALSE(issued.connect(issued.add_client(trusting(bundle), "gateway.example")));
}

TEST_CASE("a client that does not offer Extended Master Secret is refused by the server") {
  World w;
  gs::dtls::ClientConfig c;
  c.pinned_certificate_pem = server_cert().certificate_pem;
  c.extended_master_secret = false;
  Peer& p = w.add_client(std::make_shared<gs::dtls::ClientContext>(c));
  CHECK_FALSE(w.connect(p));
  for (int i = 0; i < 30 && !p.events.closed; ++i) {
    w.advance(std::chrono::milliseconds(500));
    w.pump();
  }
  CHECK(w.server->stats().refused_no_ems >= 1);
  CHECK(w.server->stats().cookies_accepted == 0);
  CHECK(w.server->peer_count() == 0);
  REQUIRE(p.events.closed);
  CHECK_FALSE(p.events.connected);

  Peer& normal = w.add_client();
  CHECK(w.connect(normal));
}
