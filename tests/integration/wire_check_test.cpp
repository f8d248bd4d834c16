// What an eavesdropper on the network sees of a full login: a recording UDP relay
// sits between the client and both the gateway and the world, and every byte that
// crossed it is searched for the password and the token.

#include <doctest/doctest.h>

#include <future>
#include <thread>

#include <asio/ip/udp.hpp>

#include "client/client.hpp"
#include "roles/registry.hpp"
#include "runtime/runtime.hpp"
#include "store/password_hash.hpp"
#include "store/sqlite_account_store.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"

using namespace std::chrono_literals;
using asio::ip::udp;

namespace {

// Forwards datagrams between one client and `target`, keeping a copy of each.
class RecordingRelay {
 public:
  RecordingRelay(asio::io_context& io, std::uint16_t target)
      : front_(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        back_(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        target_(asio::ip::make_address("127.0.0.1"), target) {
    receive_front();
    receive_back();
  }
  std::uint16_t port() const { return front_.local_endpoint().port(); }
  const std::string& recorded() const { return recorded_; }

 private:
  void receive_front() {
    front_.async_receive_from(asio::buffer(front_buffer_), client_,
                              [this](const asio::error_code& ec, std::size_t n) {
                                if (ec) return;
                                recorded_.append(front_buffer_.data(), n);
                                back_.send_to(asio::buffer(front_buffer_.data(), n), target_);
                                receive_front();
                              });
  }
  void receive_back() {
    back_.async_receive(asio::buffer(back_buffer_), [this](const asio::error_code& ec, std::size_t n) {
      if (ec) return;
      recorded_.append(back_buffer_.data(), n);
      front_.send_to(asio::buffer(back_buffer_.data(), n), client_);
      receive_back();
    });
  }
  udp::socket front_, back_;
  udp::endpoint target_, client_;
  std::array<char, 2048> front_buffer_{}, back_buffer_{};
  std::string recorded_;
};

}  // namespace

TEST_CASE("neither the password nor the token crosses the network in clear text") {
  gs::test::Deployment d("wire");
  const std::string password = "tr0ub4dor&3-very-secret";
  {
    gs::store::SqliteAccountStore accounts(d.config.auth.database);
    gs::store::PasswordHasher hasher({1, 8192});
    accounts.add("alice", *hasher.hash(password),
                 std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  }
  asio::io_context relay_io;
  RecordingRelay gateway_relay(relay_io, d.config.gateway.listen.port);
  RecordingRelay world_relay(relay_io, d.config.world.listen.port);
  // The world tells clients to come through its relay.
  d.config.world.public_address = {"127.0.0.1", world_relay.port()};
  std::thread relay_thread([&] { relay_io.run(); });

  gs::Runtime runtime(d.config, {"auth", "gateway", "world"}, gs::roles::make_role);
  std::promise<void> started;
  runtime.on_started([&] { started.set_value(); });
  std::thread roles([&] { runtime.run(false); });
  started.get_future().wait();

  gs::client::ClientOptions options;
  options.gateway = {"127.0.0.1", gateway_relay.port()};
  options.trust = d.config.tls.trust;
  options.timeout = 5s;
  gs::client::FlowResult result;
  std::string token_seen;
  for (int attempt = 0; attempt < 50; ++attempt) {
    result = gs::test::login_once(options, "alice", password);
    if (result.outcome == gs::client::Outcome::joined) break;
    std::this_thread::sleep_for(100ms);  // links still coming up
  }
  runtime.request_stop();
  roles.join();
  relay_io.stop();
  relay_thread.join();

  REQUIRE(result.outcome == gs::client::Outcome::joined);
  std::string wire = gateway_relay.recorded() + world_relay.recorded();
  CHECK(wire.size() > 1000);  // a whole handshake and login went through
  CHECK(wire.find(password) == std::string::npos);
  CHECK(wire.find("alice") == std::string::npos);
  // A JWS always starts with the base64url of {"alg":"EdDSA": "eyJhbGciOiJFZERTQSI".
  CHECK(wire.find("eyJhbGciOiJFZERTQSI") == std::string::npos);
}
