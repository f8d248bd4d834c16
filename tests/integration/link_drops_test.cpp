// Messages over a link between roles that do not decode, or that this link may not
// send, are dropped and counted (gameserver_link_messages_dropped_total{reason}), and
// the link stays up. Auth hears them from a world link the test opens itself; a world
// and a gateway hear them from a fake auth the test runs. Every role runs in this process on
// loopback; the test's own links run on a loop thread of their own.

#include <doctest/doctest.h>

#include <functional>
#include <future>
#include <map>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "common/log.hpp"
#include "dtls/types.hpp"
#include "flood_support.hpp"
#include "protocol/messages.hpp"
#include "roles/common/auth_link.hpp"
#include "roles/common/tls_setup.hpp"
#include "session/codec.hpp"
#include "session/link_auth.hpp"
#include "support/deployment.hpp"
#include "support/login.hpp"
#include "support/running_roles.hpp"

using namespace std::chrono_literals;
using gs::test::sample;

namespace {

constexpr const char* dropped = "gameserver_link_messages_dropped_total";

// Runs `io` on a thread until destroyed. Objects living on that loop are declared
// before it (so they are destroyed after the loop stopped) and touched through run().
class LoopThread {
 public:
  explicit LoopThread(asio::io_context& io)
      : io_(io), thread_([this] {
          io_.run();
          gs::dtls::release_thread_caches();  // this thread's ECC caches (LeakSanitizer)
        }) {}
  ~LoopThread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // Runs `job` on the loop and returns its result.
  template <class Job>
  auto run(Job job) -> decltype(job()) {
    std::packaged_task<decltype(job())()> task(std::move(job));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  // Whether `done` (run on the loop) held within 10 s, asking every 20 ms.
  bool wait_for(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!run(done)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

 private:
  asio::io_context& io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_;
};

std::vector<std::byte> bytes(std::initializer_list<std::uint8_t> values) {
  std::vector<std::byte> out;
  for (auto v : values) out.push_back(std::byte{v});
  return out;
}

// Link host options as a role builds them for its links to auth.
gs::transport::HostOptions link_options(const gs::config::Config& c) {
  gs::transport::HostOptions options;
  options.client = gs::roles::client_tls("world", c);
  options.channel = gs::peers::link_channel_config(c.channel);
  return options;
}

// Plays auth for one gateway or world of the deployment: accepts its link with that
// link secret, counts what it hears, refuses every login (bad_credentials), and sends
// what the test asks over the link.
class FakeAuth final : private gs::session::SessionEvents, private gs::peers::PeerObserver {
 public:
  FakeAuth(asio::io_context& io, const gs::config::Config& c, std::string role, std::string id,
           const std::filesystem::path& secret)
      : id_(c.auth.id),
        peer_{std::move(role), std::move(id)},
        secret_(gs::crypto::read_secret_file(secret)),
        host_(io, gs::roles::listening_host("auth", c, c.auth.listen, io),
              gs::peers::session_config(c.session), static_cast<gs::session::SessionEvents&>(*this),
              static_cast<gs::peers::PeerObserver&>(*this)) {}

  bool linked() const { return linked_ != nullptr; }
  std::uint64_t reports() const { return reports_; }
  std::uint64_t logins() const { return logins_; }
  // Links that came up, and those that went down again.
  std::uint64_t links() const { return links_; }
  std::uint64_t links_lost() const { return links_lost_; }
  bool send(std::span<const std::byte> message) {
    return linked_ && linked_->send(gs::protocol::lane_control, message);
  }

 private:
  using Time = gs::session::Time;
  void on_peer_added(gs::peers::Peer& peer) override {
    auths_.emplace(&peer.session(), gs::session::LinkAuth{gs::session::LinkAuth::Side::responder,
                                                          {"auth", id_},
                                                          [this](std::string_view role, std::string_view id) {
                                                            bool known = role == peer_.role && id == peer_.id;
                                                            return known ? &secret_ : nullptr;
                                                          }});
  }
  void on_peer_removed(gs::peers::Peer& peer, const gs::End&) override {
    if (linked_ == &peer.session()) {
      linked_ = nullptr;
      ++links_lost_;
    }
    auths_.erase(&peer.session());
  }
  void on_authenticating(gs::session::Session& s, Time now) override { auths_.at(&s).start(s, now); }
  void on_auth_data(gs::session::Session& s, std::span<const std::uint8_t> data, Time now) override {
    auths_.at(&s).on_auth_data(s, data, now);
  }
  void on_connected(gs::session::Session& s, Time) override {
    linked_ = &s;
    ++links_;
  }
  void on_authentication_failed(gs::session::Session&, std::string_view, Time) override {}
  void on_message(gs::session::Session& s, std::uint8_t, std::uint8_t type,
                  std::span<const std::byte> message, Time) override {
    if (type == gs::protocol::WorldReport::type) ++reports_;
    if (auto request = gs::session::decode<gs::protocol::Authenticate>(message)) {
      ++logins_;
      gs::protocol::AuthResult refused;
      refused.request_id = request->request_id;
      refused.player_id = request->player_id;
      refused.reason = "bad_credentials";
      s.send(gs::protocol::lane_control, gs::session::encode(refused));
    }
  }
  void on_closed(gs::session::Session&, const gs::End&, Time) override {}

  std::string id_;
  gs::session::LinkIdentity peer_;
  gs::crypto::SecretBuffer secret_;
  std::map<gs::session::Session*, gs::session::LinkAuth> auths_;
  gs::peers::PeerHost host_;
  gs::session::Session* linked_ = nullptr;
  std::uint64_t reports_ = 0;
  std::uint64_t logins_ = 0;
  std::uint64_t links_ = 0;
  std::uint64_t links_lost_ = 0;
};

double metric(const gs::test::Exposition& e, const std::string& role, const std::string& name,
              std::map<std::string, std::string> labels = {}) {
  return sample(e, name, role, std::move(labels));
}

}  // namespace

TEST_CASE(
    "auth counts and drops what a world link may not send, keeps the link and keeps logging players in") {
  gs::test::Deployment d("linkdrops-auth");
  // Two session-level drops would close a link: the role's drops must not count there.
  d.config.session.max_bad_messages = 1;
  d.config.auth.peers.push_back({"world", "world-probe", d.config.world.auth_secret});
  gs::test::add_account(d.config, "alice", "correct horse");
  gs::test::RunningRolesWithAdmin roles(d.config, {"auth", "gateway", "world"});
  const auto port = roles.admin.port();
  auto e = gs::test::scrape(port);
  REQUIRE(e);
  CHECK(metric(*e, "auth", dropped, {{"reason", "malformed"}}) == 0);
  CHECK(metric(*e, "auth", dropped, {{"reason", "unexpected"}}) == 0);

  asio::io_context io;
  std::unique_ptr<gs::roles::AuthLink> probe;
  LoopThread loop(io);
  gs::roles::AuthLink::Settings settings{"world", "world-probe", d.config.auth.listen};
  settings.session = gs::peers::session_config(d.config.session);
  probe = std::make_unique<gs::roles::AuthLink>(
      io, gs::make_logger("probe", spdlog::level::warn, gs::LogFormat::text), std::move(settings),
      gs::crypto::read_secret_file(d.config.world.auth_secret), link_options(d.config),
      gs::roles::AuthLink::Callbacks{});
  loop.run([&] { probe->start(); });
  REQUIRE(loop.wait_for([&] { return probe->up(); }));

  using namespace gs::protocol;
  auto sent = loop.run([&] {
    int n = 0;
    n += probe->send(bytes({SeatUpdate::type, 0xff, 0xff, 0x01}));                         // truncated
    n += probe->send(gs::session::encode(WorldReport{"world-1", "127.0.0.1:1", 100, 0}));  // not its own
    n += probe->send(gs::session::encode(Authenticate{1, 1, "alice", "correct horse", "127.0.0.1", ""}));
    // Capacity 0: counted live, never picked for a login.
    n += probe->send(gs::session::encode(WorldReport{"world-probe", "127.0.0.1:1", 0, 0}));
    return n;
  });
  REQUIRE(sent == 4);
  // The link's last message, a good report, arrives after the three bad ones (one
  // reliable ordered lane): the link outlived them.
  e = gs::test::scrape_until(
      port, [](const auto& x) { return metric(x, "auth", "gameserver_auth_worlds_live") == 2; }, 10s);
  REQUIRE(e);
  CHECK(metric(*e, "auth", dropped, {{"reason", "malformed"}}) == 1);
  CHECK(metric(*e, "auth", dropped, {{"reason", "unexpected"}}) == 2);
  CHECK(metric(*e, "auth", "gameserver_auth_links", {{"peer_role", "world"}}) == 2);
  CHECK(metric(*e, "auth", "gameserver_logins_in_flight") == 0);
  CHECK(loop.run([&] { return probe->up(); }));

  auto login = gs::test::login_when_ready(gs::test::client_options(d.config), "alice", "correct horse");
  CHECK_MESSAGE(login.outcome == gs::client::Outcome::joined, login.reason);
  CHECK(login.world_id == "world-1");
  e = gs::test::scrape(port);
  REQUIRE(e);
  CHECK(metric(*e, "auth", "gameserver_logins_total", {{"result", "ok"}}) == 1);
  CHECK(metric(*e, "auth", dropped, {{"reason", "unexpected"}}) == 2);
  loop.run([&] { probe->stop(); });
}

TEST_CASE("a world counts and drops what its auth link may not send, and keeps the link") {
  gs::test::Deployment d("linkdrops-world");
  d.config.session.max_bad_messages = 1;
  d.config.world.report_interval = 100ms;
  asio::io_context io;
  std::unique_ptr<FakeAuth> fake;
  LoopThread loop(io);
  fake = loop.run([&] {
    return std::make_unique<FakeAuth>(io, d.config, "world", d.config.world.id, d.config.world.auth_secret);
  });
  gs::test::RunningRolesWithAdmin roles(d.config, {"world"});
  const auto port = roles.admin.port();
  REQUIRE(loop.wait_for([&] { return fake->linked(); }));

  using namespace gs::protocol;
  auto sent = loop.run([&] {
    int n = 0;
    n += fake->send(bytes({Unseat::type, 0xff, 0xff, 0x01}));  // truncated
    n += fake->send(gs::session::encode(AuthResult{}));        // a gateway's message
    n += fake->send(bytes({0x7e, 0x00}));                      // no such type
    return n;
  });
  REQUIRE(sent == 3);
  auto e = gs::test::scrape_until(
      port,
      [](const auto& x) {
        return metric(x, "world", dropped, {{"reason", "unexpected"}}) == 2;
      },
      10s);
  REQUIRE(e);
  CHECK(metric(*e, "world", dropped, {{"reason", "malformed"}}) == 1);
  CHECK(metric(*e, "world", dropped, {{"reason", "unexpected"}}) == 2);
  CHECK(metric(*e, "world", "gameserver_auth_link_up") == 1);

  // The world still reports over the same link after it dropped them (a link it had
  // closed would have come back as a second one before its next report).
  auto reports = loop.run([&] { return fake->reports(); });
  CHECK(loop.wait_for([&] { return fake->reports() > reports; }));
  CHECK(loop.run([&] { return fake->links(); }) == 1);
  CHECK(loop.run([&] { return fake->links_lost(); }) == 0);
}

TEST_CASE("a gateway counts and drops what its auth link may not send, and keeps the link") {
  gs::test::Deployment d("linkdrops-gateway");
  d.config.session.max_bad_messages = 1;
  asio::io_context io;
  std::unique_ptr<FakeAuth> fake;
  LoopThread loop(io);
  fake = loop.run([&] {
    return std::make_unique<FakeAuth>(io, d.config, "gateway", d.config.gateway.id,
                                      d.config.gateway.auth_secret);
  });
  gs::test::RunningRolesWithAdmin roles(d.config, {"gateway"});
  const auto port = roles.admin.port();
  REQUIRE(loop.wait_for([&] { return fake->linked(); }));

  using namespace gs::protocol;
  auto sent = loop.run([&] {
    int n = 0;
    n += fake->send(bytes({AuthResult::type, 0xff, 0xff, 0x01}));          // truncated
    n += fake->send(gs::session::encode(Unseat{"alice", 1, "replaced"}));  // a world's message
    return n;
  });
  REQUIRE(sent == 2);
  auto e = gs::test::scrape_until(
      port,
      [](const auto& x) {
        return metric(x, "gateway", dropped, {{"reason", "unexpected"}}) == 1;
      },
      10s);
  REQUIRE(e);
  CHECK(metric(*e, "gateway", dropped, {{"reason", "malformed"}}) == 1);
  CHECK(metric(*e, "gateway", dropped, {{"reason", "unexpected"}}) == 1);

  // A login still goes over the same link and its answer comes back.
  auto login = gs::test::login_once(gs::test::client_options(d.config), "alice", "correct horse");
  CHECK(login.outcome == gs::client::Outcome::login_failed);
  CHECK(login.reason == "bad_credentials");
  CHECK(loop.run([&] { return fake->logins(); }) == 1);
  CHECK(loop.run([&] { return fake->links(); }) == 1);
  CHECK(loop.run([&] { return fake->links_lost(); }) == 0);
}
