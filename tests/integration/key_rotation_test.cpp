// Key rotation without a restart (Runtime::request_reload, which SIGHUP calls): worlds
// accept tokens of the old and the new key during the overlap, auth switches its
// signing key, a token of a key the world no longer lists is refused by its kid; a
// broken file keeps the keys in use; a renewed DTLS certificate is presented to new
// handshakes while established connections carry on. The last case sends a real SIGHUP
// to the binary.

#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>

#include "../admin/exposition.hpp"
#include "admin/http_get.hpp"
#include "client/client.hpp"
#include "config/load.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/key_files.hpp"
#include "crypto/token_signer.hpp"
#include "dtls/certgen.hpp"
#include "runtime/runtime.hpp"
#include "support/deployment.hpp"
#include "support/process.hpp"
#include "support/running_roles.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using gs::client::Outcome;
using gs::test::key;

namespace {

const std::string password = "correct horse battery";

// Roles of `config` on their own loop thread, with an admin endpoint on a free port.
struct Running : gs::test::RunningRolesWithAdmin {
  explicit Running(const gs::config::Config& config)
      : RunningRolesWithAdmin(config, {"auth", "gateway", "world"}) {
    // Ready: the gateway and the world are linked to auth.
    for (int i = 0; i < 200; ++i) {
      auto health = gs::admin::http_get("127.0.0.1", admin.port(), "/healthz");
      if (health && health->status == 200) break;
      std::this_thread::sleep_for(50ms);
    }
  }

  // What SIGHUP does, and returns once it is done (the loop runs posts in order).
  void reload(const gs::config::Config& fresh) {
    runtime.request_reload(fresh);
    std::promise<void> done;
    asio::post(runtime.io(), [&] { done.set_value(); });
    done.get_future().wait();
  }

  double metric(const std::string& series) {
    auto reply = gs::admin::http_get("127.0.0.1", admin.port(), "/metrics");
    REQUIRE(reply);
    auto parsed = gs::test::parse_exposition(reply->body);
    REQUIRE_MESSAGE(parsed.exposition, parsed.error);
    auto it = parsed.exposition->samples.find(series);
    INFO("series " << series);
    REQUIRE(it != parsed.exposition->samples.end());
    return it->second;
  }
};

void add_account(const gs::test::Deployment& d, const std::string& name) {
  auto [status, output] = gs::test::run(
      {"account", "add", name, "--password-stdin", "--config", d.write_config("accounts.yaml").string()},
      password + "\n");
  REQUIRE_MESSAGE(status == 0, output);
}

// A token key pair beside the deployment's own; the private key's path.
fs::path new_token_key(const gs::test::Deployment& d, const std::string& name) {
  auto key = gs::crypto::Ed25519PrivateKey::generate();
  gs::crypto::write_private_key_file(d.dir / "keys" / (name + ".key"), key, false);
  gs::crypto::write_public_key_file(d.dir / "keys" / (name + ".pub"), key.public_key(), false);
  return d.dir / "keys" / (name + ".key");
}

std::string kid_of(const fs::path& private_key) {
  return gs::crypto::default_kid(gs::crypto::read_private_key_file(private_key).public_key());
}

// A token for alice at world-1 signed with `private_key`, as auth would sign it.
std::string token_signed_with(const fs::path& private_key) {
  auto key = gs::crypto::read_private_key_file(private_key);
  gs::crypto::TokenSigner signer("auth-1", gs::crypto::default_kid(key.public_key()), std::move(key));
  return signer
      .issue("alice", "world-1", 30s,
             std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()))
      .token;
}

gs::client::ClientOptions options(const gs::config::Config& config, const fs::path& trust) {
  gs::client::ClientOptions o;
  o.gateway = config.gateway.listen;
  o.trust = trust;
  o.game = config.game;
  o.timeout = 5s;
  return o;
}

// One flow on a fresh client: a login and join, or a join with `token`.
gs::client::FlowResult flow(const gs::config::Config& config, const fs::path& trust,
                            const std::string& token = "") {
  asio::io_context io;
  gs::client::Client client(io, options(config, trust));
  gs::client::FlowResult result;
  auto done = [&](const gs::client::FlowResult& r) {
    result = r;
    client.close();
    io.stop();
  };
  if (token.empty())
    client.login_and_join("alice", password, done);
  else
    client.join_world(token, config.world.public_address.to_string(), done);
  io.run();
  return result;
}

// A player who joins and stays; pump() keeps its connection going between steps. Bob,
// since alice's later joins would replace a session of hers (the newer one wins).
struct Player {
  asio::io_context io;
  gs::client::Client client;
  bool dropped = false;

  Player(const gs::config::Config& config, const fs::path& trust) : client(io, options(config, trust)) {
    std::optional<gs::client::FlowResult> result;
    gs::client::ClientEvents events;
    events.disconnected = [this](std::string_view) { dropped = true; };
    client.set_events(std::move(events));
    client.login_and_join("bob", password, [&](const gs::client::FlowResult& r) { result = r; });
    for (int i = 0; i < 500 && !result; ++i) pump(20ms);
    REQUIRE(result);
    REQUIRE_MESSAGE(result->outcome == Outcome::joined, result->reason);
  }
  ~Player() {
    client.close();
    pump(50ms);
  }
  void pump(std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
  }
};

}  // namespace

TEST_CASE(
    "rotation: old and new token keys overlap, auth switches keys, a removed key's token is refused by kid") {
  gs::test::Deployment d("rotation");
  add_account(d, "alice");
  add_account(d, "bob");
  const fs::path old_key = d.config.auth.token_key;
  const fs::path old_pub = d.config.world.token_keys.front();
  const fs::path new_key = new_token_key(d, "token-new");
  const fs::path new_pub = d.dir / "keys/token-new.pub";
  const auto trust = d.config.tls.trust;
  Running roles(d.config);
  Player player(d.config, trust);

  auto signed_before = token_signed_with(old_key);
  CHECK(roles.metric(key("gameserver_token_signing_key", {{"kid", kid_of(old_key)}, {"role", "auth"}})) == 1);

  // 1. Worlds learn the new public key.
  auto fresh = d.config;
  fresh.world.token_keys = {old_pub, new_pub};
  roles.reload(fresh);
  CHECK(roles.metric(key("gameserver_token_keys", {{"role", "world"}})) == 2);
  player.pump(100ms);

  // 2. Auth signs with the new key; tokens of both keys get in.
  fresh.auth.token_key = new_key;
  roles.reload(fresh);
  CHECK(roles.metric(key("gameserver_token_signing_key", {{"kid", kid_of(new_key)}, {"role", "auth"}})) == 1);
  auto fresh_login = flow(d.config, trust);
  CHECK_MESSAGE(fresh_login.outcome == Outcome::joined, fresh_login.reason);
  auto old_token = flow(d.config, trust, signed_before);
  CHECK_MESSAGE(old_token.outcome == Outcome::joined, old_token.reason);
  CHECK(flow(d.config, trust, token_signed_with(new_key)).outcome == Outcome::joined);
  player.pump(100ms);

  // 3. After the token lifetime the old key leaves the worlds: its tokens are refused by kid.
  auto signed_late = token_signed_with(old_key);
  fresh.world.token_keys = {new_pub};
  roles.reload(fresh);
  CHECK(roles.metric(key("gameserver_token_keys", {{"role", "world"}})) == 1);
  auto refused = flow(d.config, trust, signed_late);
  CHECK(refused.outcome == Outcome::refused);
  CHECK(refused.reason == "unknown_kid");
  CHECK(roles.metric(
            key("gameserver_tokens_rejected_total", {{"reason", "unknown_kid"}, {"role", "world"}})) == 1);
  CHECK(flow(d.config, trust).outcome == Outcome::joined);
  for (auto* role : {"auth", "gateway", "world"})
    CHECK(roles.metric(key("gameserver_reloads_total", {{"result", "ok"}, {"role", role}})) == 3);

  // The player who joined before any of this is still in the world.
  player.pump(300ms);
  CHECK(player.client.in_world());
  CHECK_FALSE(player.dropped);
}

TEST_CASE("rotation: a missing or broken file keeps the keys in use") {
  gs::test::Deployment d("rotation-broken");
  add_account(d, "alice");
  const auto trust = d.config.tls.trust;
  const auto kid = kid_of(d.config.auth.token_key);
  Running roles(d.config);

  std::ofstream(d.dir / "keys/broken.pub")
      << "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
  auto fresh = d.config;
  fresh.world.token_keys = {d.dir / "keys/broken.pub"};
  fresh.auth.token_key = d.dir / "keys/missing.key";
  roles.reload(fresh);
  for (auto* role : {"auth", "world"})
    CHECK(roles.metric(key("gameserver_reloads_total", {{"result", "failed"}, {"role", role}})) == 1);
  CHECK(roles.metric(key("gameserver_token_keys", {{"role", "world"}})) == 1);
  CHECK(roles.metric(key("gameserver_token_signing_key", {{"kid", kid}, {"role", "auth"}})) == 1);
  auto login = flow(d.config, trust);
  CHECK_MESSAGE(login.outcome == Outcome::joined, login.reason);

  // A certificate that is not PEM: every role keeps its own and its link secrets.
  std::ofstream(d.dir / "keys/broken.crt") << "not a certificate\n";
  fresh = d.config;
  fresh.tls.certificate = d.dir / "keys/broken.crt";
  roles.reload(fresh);
  CHECK(roles.metric(key("gameserver_reloads_total", {{"result", "failed"}, {"role", "gateway"}})) == 1);
  CHECK(flow(d.config, trust).outcome == Outcome::joined);
}

TEST_CASE("rotation: a renewed DTLS certificate serves new handshakes, established connections stay") {
  gs::test::Deployment d("rotation-cert");
  add_account(d, "alice");
  add_account(d, "bob");
  auto renewed = gs::dtls::generate_self_signed({"gameserver", {"gameserver"}, 30});
  const auto crt = d.dir / "keys/dtls-renewed.crt", key_file = d.dir / "keys/dtls-renewed.key";
  auto bytes = [](const std::string& s) {
    return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  gs::crypto::write_key_file(crt, bytes(renewed.certificate_pem), 0644, false);
  gs::crypto::write_key_file(key_file, bytes(renewed.private_key_pem), 0600, false);
  Running roles(d.config);
  Player player(d.config, d.config.tls.trust);

  CHECK(flow(d.config, crt).outcome == Outcome::certificate);
  auto fresh = d.config;
  fresh.tls = {crt, key_file, crt};
  roles.reload(fresh);
  auto renewed_login = flow(d.config, crt);
  CHECK_MESSAGE(renewed_login.outcome == Outcome::joined, renewed_login.reason);
  CHECK(flow(d.config, d.config.tls.trust).outcome == Outcome::certificate);

  player.pump(300ms);
  CHECK(player.client.in_world());
  CHECK_FALSE(player.dropped);
}

TEST_CASE("SIGHUP reloads without stopping the process and names changes that need a restart") {
  gs::test::Deployment d("rotation-sighup");
  asio::io_context io;
  asio::ip::tcp::acceptor probe(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  d.config.admin.listen = {"127.0.0.1", probe.local_endpoint().port()};
  probe.close();
  d.config.log.level = spdlog::level::info;
  auto file = d.write_config();
  gs::test::Process server(gs::test::gameserver_binary(), {"--config", file.string()});
  REQUIRE_MESSAGE(server.wait_for("started 3 role(s)", 15s), server.output());

  server.signal(SIGHUP);
  CHECK_MESSAGE(server.wait_for("re-read by 3 role(s)", 5s), server.output());

  auto changed = d.config;
  changed.gateway.max_clients = 5;
  std::ofstream(file) << gs::config::to_yaml(changed);
  server.signal(SIGHUP);
  CHECK_MESSAGE(server.wait_for("gateway.max_clients changed, which takes a restart", 5s), server.output());
  CHECK(server.wait_for("re-read by 3 role(s)", 5s));

  server.signal(SIGTERM);
  CHECK(server.wait(10s) == 0);
}

TEST_CASE("keygen --token-only writes a new pair named after its key id, beside the one in use") {
  gs::test::Deployment d("rotation-keygen");
  const auto keys = d.dir / "keygen";
  auto [status, output] = gs::test::run({"keygen", "--out", keys.string()});
  REQUIRE_MESSAGE(status == 0, output);
  const auto before = kid_of(keys / "token.key");

  std::set<std::string> kids;
  for (int i = 0; i < 2; ++i) {
    auto [s, out] = gs::test::run({"keygen", "--out", keys.string(), "--token-only"});
    REQUIRE_MESSAGE(s == 0, out);
    std::set<std::string> written;
    for (const auto& entry : fs::directory_iterator(keys))
      if (auto name = entry.path().filename().string(); name.starts_with("token-") && name.ends_with(".key"))
        written.insert(name.substr(6, name.size() - 10));
    for (const auto& kid : written)
      if (!kids.contains(kid)) {
        CHECK(kid_of(keys / ("token-" + kid + ".key")) == kid);
        CHECK(out.find("Token key id: " + kid) != std::string::npos);
        CHECK(fs::exists(keys / ("token-" + kid + ".pub")));
      }
    kids = written;
  }
  CHECK(kids.size() == 2);
  CHECK(kid_of(keys / "token.key") == before);
}
