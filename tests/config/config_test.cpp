#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/load.hpp"
#include "config/reload.hpp"

using namespace std::chrono_literals;
using gs::config::ConfigError;
using gs::config::load_text;

namespace {

const std::filesystem::path base = "/srv/game";

// The message of the ConfigError that loading `text` throws, or "" if it loads.
std::string error_of(const std::string& text) {
  try {
    load_text(text, "test.yaml", base);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a minimal file gets every default") {
  auto config = load_text("roles: [auth]\n", "test.yaml", base);
  CHECK(config.roles == std::vector<std::string>{"auth"});
  CHECK(config.log.level == spdlog::level::info);
  CHECK(config.admin.listen == gs::Endpoint{"127.0.0.1", 9100});
  CHECK(config.channel.max_datagram == 1200);
  CHECK(config.channel.timeout == 10s);
  CHECK(config.channel.link_timeout == 3s);
  CHECK(config.gateway.listen == gs::Endpoint{"127.0.0.1", 7000});
  CHECK(config.world.tick_rate == 30u);
  CHECK(config.auth.database == base / "data/accounts.db");
}

TEST_CASE("values with units, addresses and paths are read into typed fields") {
  auto config = load_text(R"(
roles: [world, gateway]
log: {level: debug, format: json}
channel:
  max_datagram: 1351
  max_message: 4MiB
  keepalive: 500ms
  timeout: 2m
  link_timeout: 1500ms
auth:
  database: /var/lib/gs/accounts.db
gateway:
  listen: "[::1]:7001"
world:
  id: world-7
  capacity: 250
)",
                          "test.yaml", base);
  CHECK(config.log.level == spdlog::level::debug);
  CHECK(config.log.format == gs::LogFormat::json);
  CHECK(config.channel.max_datagram == 1351);
  CHECK(config.channel.max_message == 4u << 20);
  CHECK(config.channel.keepalive == 500ms);
  CHECK(config.channel.timeout == 120s);
  CHECK(config.channel.link_timeout == 1500ms);
  CHECK(config.auth.database == "/var/lib/gs/accounts.db");
  CHECK(config.gateway.listen == gs::Endpoint{"::1", 7001});
  CHECK(config.world.id == "world-7");
  CHECK(config.world.capacity == 250u);
}

TEST_CASE("relative paths are relative to the config file's folder") {
  auto config = load_text("roles: [auth]\nauth: {database: db/../accounts.db}\n", "test.yaml", base);
  CHECK(config.auth.database == base / "accounts.db");
}

TEST_CASE("an unknown key is refused with its file, line, column and path") {
  CHECK(error_of("roles: [auth]\nlog:\n  levle: info\n") ==
        "test.yaml:3:3: log.levle: unknown key; expected one of: format, level");
  CHECK(error_of("roles: [auth]\nauth:\n  listn: 127.0.0.1:1\n")
            .rfind("test.yaml:3:3: auth.listn: unknown key", 0) == 0);
  CHECK(error_of("roles: [auth]\nbogus: 1\n").rfind("test.yaml:2:1: bogus: unknown key", 0) == 0);
  CHECK(error_of("roles: [auth]\nauth:\n  peers:\n    - {role: world, id: w, secrte: x}\n")
            .rfind("test.yaml:4:28: auth.peers[0].secrte: unknown key", 0) == 0);
}

TEST_CASE("lists of maps are read item by item, with default paths resolved") {
  auto defaults = load_text("roles: [auth]\n", "test.yaml", base);
  REQUIRE(defaults.auth.peers.size() == 2);
  CHECK(defaults.auth.peers[0].secret == base / "keys/gateway-auth.secret");
  auto config = load_text("roles: [auth]\nauth:\n  peers:\n    - {role: world, id: world-2, secret: s/w2}\n",
                          "test.yaml", base);
  REQUIRE(config.auth.peers.size() == 1);
  CHECK(config.auth.peers[0].id == "world-2");
  CHECK(config.auth.peers[0].secret == base / "s/w2");
  CHECK(error_of("roles: [auth]\nauth:\n  peers: [gateway]\n") ==
        "test.yaml:3:11: auth.peers: expected a map, found 'gateway'");
  auto world = load_text("roles: [world]\nworld:\n  token_keys: [a.pub, /k/b.pub]\n", "test.yaml", base);
  CHECK(world.world.token_keys == std::vector<std::filesystem::path>{base / "a.pub", "/k/b.pub"});
}

TEST_CASE("a wrong type is refused") {
  CHECK(error_of("roles: [auth]\nworld:\n  capacity: [1, 2]\n") ==
        "test.yaml:3:13: world.capacity: expected a whole number from 1 to 100000, found a list");
  CHECK(error_of("roles: [auth]\nworld:\n  capacity: lots\n") ==
        "test.yaml:3:13: world.capacity: expected a whole number from 1 to 100000, found 'lots'");
  CHECK(error_of("roles: auth\n") ==
        "test.yaml:1:8: roles: expected a list such as [auth, gateway], found 'auth'");
  CHECK(error_of("roles: [auth]\nchannel: 5\n") ==
        "test.yaml:2:10: channel: expected a map of keys, found '5'");
  CHECK(error_of("roles: [auth]\nchannel:\n  timeout: 30\n") ==
        "test.yaml:3:12: channel.timeout: expected a duration from 100ms to 10m such as 500ms, 30s or 2m, "
        "found '30'");
  CHECK(error_of("roles: [auth]\ngateway:\n  listen: 7000\n") ==
        "test.yaml:3:11: gateway.listen: expected an address such as 127.0.0.1:7000 or [::1]:7000, found "
        "'7000'");
  CHECK(error_of("roles: [auth]\nlog:\n  level: loud\n") ==
        "test.yaml:3:10: log.level: expected one of: trace debug info warn error critical off, found 'loud'");
}

TEST_CASE("channel.reassembly_total: 64MiB by default, a size from 1KiB to 1024GiB") {
  CHECK(load_text("roles: [auth]\n", "test.yaml", base).channel.reassembly_total == 64u << 20);
  auto config = load_text("roles: [auth]\nchannel:\n  reassembly_total: 256MiB\n", "test.yaml", base);
  CHECK(config.channel.reassembly_total == 256u << 20);
  CHECK(error_of("roles: [auth]\nchannel:\n  reassembly_total: 512B\n") ==
        "test.yaml:3:21: channel.reassembly_total: expected a size from 1KiB to 1024GiB such as 1200, 64KiB "
        "or 1MiB, "
        "found '512B'");
}

TEST_CASE("an out-of-range value is refused") {
  CHECK(error_of("roles: [auth]\nworld:\n  tick_rate: 1000\n") ==
        "test.yaml:3:14: world.tick_rate: expected a whole number from 1 to 240, found 1000");
  CHECK(
      error_of("roles: [auth]\nchannel:\n  max_datagram: 2KiB\n") ==
      "test.yaml:3:17: channel.max_datagram: expected a size from 256B to 1351B such as 1200, 64KiB or 1MiB, "
      "found '2KiB'");
  CHECK(error_of("roles: [auth]\nchannel:\n  link_timeout: 200ms\n") ==
        "test.yaml:3:17: channel.link_timeout: expected a duration from 1s to 10m such as 500ms, 30s or 2m, "
        "found '200ms'");
  CHECK(error_of("roles: [auth]\nchannel:\n  timeout: 1h\n")
            .find("channel.timeout: expected a duration from 100ms to 10m") != std::string::npos);
  CHECK(error_of("roles: [auth]\nworld:\n  id: \"\"\n") ==
        "test.yaml:3:7: world.id: expected a string of 1 to 64 characters, found 0 characters");
}

TEST_CASE("a missing required key is refused") {
  CHECK(error_of("log: {level: info}\n") ==
        "test.yaml:1:1: roles: required key is missing: expected a list of roles to run such as [auth, "
        "gateway, world]");
}

TEST_CASE("unknown and repeated role names are refused") {
  CHECK(error_of("roles: [auth, lobby]\n") ==
        "test.yaml:1:15: roles: expected auth, gateway or world, found 'lobby'");
  CHECK(error_of("roles: [auth, auth]\n") == "test.yaml:1:15: roles: role 'auth' is listed twice");
}

TEST_CASE("YAML syntax errors and empty files are refused with a position") {
  CHECK(error_of("roles: [auth\n").rfind("test.yaml:2:1: (yaml): ", 0) == 0);
  CHECK(error_of("") == "test.yaml:1:1: (file): expected a map of keys, found an empty file");
  CHECK(error_of("- a\n- b\n") == "test.yaml:1:1: (file): expected a map of keys, found a list");
}

TEST_CASE("an unreadable file is refused") {
  auto missing = std::filesystem::temp_directory_path() / "gameserver-no-such-config.yaml";
  try {
    gs::config::load_file(missing);
    FAIL("loaded a file that does not exist");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) ==
          missing.string() +
              ":1:1: (file): expected a readable config file, found: No such file or directory");
  }
}

TEST_CASE("the effective config printed as YAML loads back to the same values") {
  auto config =
      load_text("roles: [gateway, world]\nchannel: {keepalive: 1500ms}\nworld: {id: w2}\n", "t.yaml", base);
  auto again = load_text(gs::config::to_yaml(config), "t2.yaml", "/elsewhere");
  CHECK(again.roles == config.roles);
  CHECK(again.channel.keepalive == 1500ms);
  CHECK(again.world.id == "w2");
  CHECK(again.auth.database == config.auth.database);  // printed absolute
  CHECK(gs::config::to_yaml(again) == gs::config::to_yaml(config));
}

TEST_CASE("the shipped configs load") {
  const std::filesystem::path etc = std::filesystem::path(GS_SOURCE_ROOT) / "etc";
  for (const char* name :
       {"gameserver.yaml", "auth.yaml", "gateway.yaml", "world.yaml", "failover/auth-1.yaml",
        "failover/auth-2.yaml", "failover/gateway.yaml", "failover/world.yaml"}) {
    CAPTURE(name);
    CHECK_NOTHROW(gs::config::load_file(etc / name));
  }
  auto dev = gs::config::load_file(etc / "gameserver.yaml");
  CHECK(dev.roles == std::vector<std::string>{"auth", "gateway", "world"});
  CHECK(dev.gateway.listen == gs::Endpoint{"127.0.0.1", 7000});
  CHECK(dev.admin.listen == gs::Endpoint{"127.0.0.1", 9100});
}

TEST_CASE("auth addresses: one, or a list in order of preference; printed back the same way") {
  auto one = load_text("roles: [gateway]\ngateway: {auth: 10.0.0.1:7100}\n", "t.yaml", base);
  CHECK(one.gateway.auth == std::vector<gs::Endpoint>{{"10.0.0.1", 7100}});
  CHECK(one.world.auth == std::vector<gs::Endpoint>{{"127.0.0.1", 7100}});
  CHECK(gs::config::to_yaml(one).find("auth: 10.0.0.1:7100\n") != std::string::npos);
  auto two = load_text("roles: [world]\nworld:\n  auth: [10.0.0.1:7100, 10.0.0.2:7100]\n", "t.yaml", base);
  CHECK(two.world.auth == std::vector<gs::Endpoint>{{"10.0.0.1", 7100}, {"10.0.0.2", 7100}});
  CHECK(load_text(gs::config::to_yaml(two), "t2.yaml", base).world.auth == two.world.auth);

  CHECK(error_of("roles: [gateway]\ngateway:\n  auth: [10.0.0.1:7100, 10.0.0.1:7100]\n") ==
        "test.yaml:3:25: gateway.auth: '10.0.0.1:7100' is listed twice");
  CHECK(error_of("roles: [gateway]\ngateway:\n  auth: []\n")
            .find("gateway.auth: expected an address or a list of 1 to 8") != std::string::npos);
  CHECK(error_of("roles: [gateway]\ngateway:\n  auth: [7100]\n") ==
        "test.yaml:3:10: gateway.auth: expected an address such as 127.0.0.1:7100, found '7100'");
}

TEST_CASE("a reload names the changed keys that need a restart, not the reloadable ones") {
  auto running = load_text("roles: [auth, gateway, world]\n", "t.yaml", base);
  auto fresh = running;
  fresh.world.token_keys = {"/keys/a.pub", "/keys/b.pub"};
  fresh.auth.token_key = "/keys/b.key";
  fresh.tls.certificate = "/keys/new.crt";
  fresh.gateway.auth_secret = "/keys/other.secret";
  fresh.auth.peers.push_back({"world", "world-2", "/keys/w2.secret"});
  CHECK(gs::config::changes_needing_restart(running, fresh).empty());
  fresh.gateway.max_clients = 5;
  fresh.world.auth = {{"10.0.0.9", 7100}};
  CHECK(gs::config::changes_needing_restart(running, fresh) ==
        std::vector<std::string>{"gateway.max_clients", "world.auth"});
}

TEST_CASE("the account store: sqlite by default, postgres with a conninfo and a password file") {
  auto defaults = load_text("roles: [auth]\n", "t.yaml", base);
  CHECK(defaults.auth.account_store == gs::config::AccountBackend::sqlite);
  CHECK(defaults.auth.postgres.conninfo.empty());
  CHECK(defaults.auth.postgres.password_file.empty());

  auto pg = load_text(
      "roles: [auth]\nauth:\n  account_store: postgres\n  postgres:\n"
      "    conninfo: host=db.internal dbname=gameserver sslmode=verify-full\n"
      "    password_file: keys/pg.password\n",
      "t.yaml", base);
  CHECK(pg.auth.account_store == gs::config::AccountBackend::postgres);
  CHECK(pg.auth.postgres.conninfo == "host=db.internal dbname=gameserver sslmode=verify-full");
  CHECK(pg.auth.postgres.password_file == base / "keys/pg.password");
  auto again = load_text(gs::config::to_yaml(pg), "t2.yaml", "/elsewhere");
  CHECK(again.auth.account_store == gs::config::AccountBackend::postgres);
  CHECK(again.auth.postgres.conninfo == pg.auth.postgres.conninfo);
  CHECK(again.auth.postgres.password_file == pg.auth.postgres.password_file);
  CHECK(load_text(gs::config::to_yaml(defaults), "t2.yaml", base).auth.postgres.password_file.empty());

  CHECK(error_of("roles: [auth]\nauth:\n  account_store: mysql\n") ==
        "test.yaml:3:18: auth.account_store: expected one of: sqlite postgres, found 'mysql'");
  CHECK(error_of("roles: [auth]\nauth:\n  postgres: {password: hunter2}\n").find("auth.postgres.password:") !=
        std::string::npos);
}

TEST_CASE("a conninfo libpq cannot parse is refused at load, without echoing a password") {
  CHECK(error_of("roles: [auth]\nauth:\n  postgres:\n    conninfo: postgresql://db.internal/gameserver\n")
            .empty());
  CHECK(error_of("roles: [auth]\nauth:\n  postgres:\n    conninfo: host=db port=5432 dbname=g\n").empty());
  auto bad = error_of("roles: [auth]\nauth:\n  postgres:\n    conninfo: host=db dbnam=g\n");
  CHECK(bad.find("test.yaml:4:15: auth.postgres.conninfo: expected a libpq connection string") == 0);
  CHECK(bad.find("dbnam") != std::string::npos);  // libpq's reason names the unknown key
  auto secret = error_of("roles: [auth]\nauth:\n  postgres:\n    conninfo: host=db password=hunter2 oops\n");
  CHECK(secret.find("test.yaml:4:15: auth.postgres.conninfo:") == 0);
  CHECK(secret.find("hunter2") == std::string::npos);
  CHECK(secret.find("withheld") != std::string::npos);
  auto uri = error_of(
      "roles: [auth]\nauth:\n  postgres:\n    conninfo: 'postgresql://u:hunter2@db/g?nosuchparam=1'\n");
  CHECK(uri.find("auth.postgres.conninfo:") != std::string::npos);
  CHECK(uri.find("hunter2") == std::string::npos);
}

TEST_CASE("world.token_issuers: one name or a list of different names; printed back the same way") {
  auto fallback = load_text("roles: [world]\n", "t.yaml", base);
  CHECK(fallback.world.token_issuers == std::vector<std::string>{"auth-1"});
  auto two = load_text("roles: [world]\nworld:\n  token_issuers: [auth-1, auth-2]\n", "t.yaml", base);
  CHECK(two.world.token_issuers == std::vector<std::string>{"auth-1", "auth-2"});
  CHECK(load_text(gs::config::to_yaml(two), "t2.yaml", base).world.token_issuers == two.world.token_issuers);
  auto one = load_text("roles: [world]\nworld: {token_issuers: auth-7}\n", "t.yaml", base);
  CHECK(one.world.token_issuers == std::vector<std::string>{"auth-7"});
  CHECK(error_of("roles: [world]\nworld:\n  token_issuers: [auth-1, auth-1]\n") ==
        "test.yaml:3:27: world.token_issuers: 'auth-1' is listed twice");
  CHECK(error_of("roles: [world]\nworld:\n  token_issuers: []\n")
            .find("world.token_issuers: expected a name or a list of 1 to 8") != std::string::npos);
}

TEST_CASE("world.rate_limit: defaults, and values out of range refused") {
  auto c =
      load_text("roles: [world]\nworld:\n  rate_limit: {input_per_s: 2, kick_window: 30s}\n", "t.yaml", base);
  CHECK(c.world.rate_limit.input_per_s == 2);
  CHECK(c.world.rate_limit.input_burst == 250);
  CHECK(c.world.rate_limit.kick_drops == 100);
  CHECK(c.world.rate_limit.kick_window == 30s);
  CHECK(error_of("roles: [world]\nworld:\n  rate_limit:\n    input_per_s: 0\n") ==
        "test.yaml:4:18: world.rate_limit.input_per_s: expected a whole number from 1 to 10000, found 0");
  // Chat is the game's (the arena's own settings), no longer a world key.
  CHECK(error_of("roles: [world]\nworld:\n  rate_limit:\n    chat_per_s: 5\n")
            .find("world.rate_limit.chat_per_s") != std::string::npos);
}

TEST_CASE("auth.token_ttl goes up to the longest lifetime a world accepts") {
  CHECK(load_text("roles: [auth]\nauth: {token_ttl: 10m}\n", "t.yaml", base).auth.token_ttl == 10min);
  CHECK(error_of("roles: [auth]\nauth: {token_ttl: 11m}\n")
            .find("auth.token_ttl: expected a duration from 1s to 10m") != std::string::npos);
}

TEST_CASE("a world.public_address longer than a LoginResponse carries is refused at load") {
  std::string host(130, 'h');
  CHECK(error_of("roles: [world]\nworld:\n  public_address: " + host + ":7200\n")
            .find("world.public_address: expected an address of at most 128 characters") !=
        std::string::npos);
}

TEST_CASE("channel knobs without a key before: defaults from the knobs, values within their ranges") {
  namespace knobs = gs::channel::knobs;
  auto defaults = load_text("roles: [auth]\n", "test.yaml", base).channel;
  CHECK(defaults.min_rto == knobs::min_rto.def);
  CHECK(defaults.initial_rtt == knobs::initial_rtt.def);
  CHECK(defaults.max_ack_delay == knobs::max_ack_delay.def);
  CHECK(defaults.reassembly_cap == knobs::reassembly_cap.def);
  CHECK(defaults.send_queue_cap == knobs::send_queue_cap.def);
  CHECK(defaults.max_send_rate == knobs::max_send_rate.def);
  CHECK(defaults.fragment_timeout == knobs::fragment_timeout.def);
  auto config = load_text(R"(
roles: [auth]
channel:
  min_rto: 50ms
  initial_rtt: 200ms
  max_ack_delay: 0ms
  reassembly_cap: 16MiB
  send_queue_cap: 32MiB
  max_send_rate: 1MiB
  fragment_timeout: 2s
)",
                          "test.yaml", base)
                    .channel;
  CHECK(config.min_rto == 50ms);
  CHECK(config.initial_rtt == 200ms);
  CHECK(config.max_ack_delay == 0ms);
  CHECK(config.reassembly_cap == 16u << 20);
  CHECK(config.send_queue_cap == 32u << 20);
  CHECK(config.max_send_rate == 1u << 20);
  CHECK(config.fragment_timeout == 2s);
  CHECK(error_of("roles: [auth]\nchannel:\n  min_rto: 2s\n") ==
        "test.yaml:3:12: channel.min_rto: expected a duration from 1ms to 1s such as 500ms, 30s or 2m, found "
        "'2s'");
  CHECK(
      error_of("roles: [auth]\nchannel:\n  max_ack_delay: 101ms\n") ==
      "test.yaml:3:18: channel.max_ack_delay: expected a duration from 0s to 100ms such as 500ms, 30s or 2m, "
      "found '101ms'");
  CHECK(error_of("roles: [auth]\nchannel:\n  reassembly_cap: 2GiB\n") ==
        "test.yaml:3:19: channel.reassembly_cap: expected a size from 1KiB to 1GiB such as 1200, 64KiB or "
        "1MiB, "
        "found '2GiB'");
  CHECK(error_of("roles: [auth]\nchannel:\n  send_queue_cap: 512B\n")
            .find("test.yaml:3:19: channel.send_queue_cap: expected a size from 1KiB to 4GiB") == 0);
  CHECK(error_of("roles: [auth]\nchannel:\n  fragment_timeout: 5ms\n")
            .find("test.yaml:3:21: channel.fragment_timeout: expected a duration from 10ms to 1m") == 0);
  CHECK(error_of("roles: [auth]\nchannel:\n  initial_rtt: 11s\n")
            .find("test.yaml:3:16: channel.initial_rtt: expected a duration from 1ms to 10s") == 0);
  CHECK(error_of("roles: [auth]\nchannel:\n  max_send_rate: 20000000000\n")
            .find("test.yaml:3:18: channel.max_send_rate: expected a size from 0B to") == 0);
}

TEST_CASE("channel.keepalive must be shorter than channel.timeout, refused at the key the file sets") {
  CHECK(
      error_of("roles: [auth]\nchannel:\n  timeout: 1s\n  keepalive: 2s\n") ==
      "test.yaml:4:14: channel.keepalive: expected channel.keepalive (2s) shorter than channel.timeout (1s)");
  CHECK(error_of("roles: [auth]\nchannel:\n  timeout: 500ms\n") ==
        "test.yaml:3:12: channel.timeout: expected channel.keepalive (1s) shorter than channel.timeout "
        "(500ms)");
}

TEST_CASE("tls: the listeners' DTLS limits and timers, defaults from the DTLS knobs") {
  namespace knobs = gs::dtls::knobs;
  auto defaults = load_text("roles: [auth]\n", "test.yaml", base);
  CHECK(defaults.tls.max_half_open == knobs::max_half_open.def);
  CHECK(defaults.tls.handshake_timeout == knobs::handshake_timeout.def);
  CHECK(defaults.tls.cookie_rotation == knobs::cookie_rotation.def);
  CHECK(defaults.tls.retransmit_initial == knobs::retransmit_initial.def);
  CHECK(defaults.tls.retransmit_max == knobs::retransmit_max.def);
  CHECK(defaults.per_source.max_half_open == knobs::max_half_open_per_source.def);
  CHECK(defaults.gateway.max_clients == knobs::max_peers.def);
  auto config = load_text(R"(
roles: [auth]
tls:
  max_half_open: 50
  handshake_timeout: 5s
  cookie_rotation: 1m
  retransmit_initial: 300ms
  retransmit_max: 4s
)",
                          "test.yaml", base)
                    .tls;
  CHECK(config.max_half_open == 50u);
  CHECK(config.handshake_timeout == 5s);
  CHECK(config.cookie_rotation == 1min);
  CHECK(config.retransmit_initial == 300ms);
  CHECK(config.retransmit_max == 4s);
  CHECK(error_of("roles: [auth]\ntls:\n  max_half_open: 0\n") ==
        "test.yaml:3:18: tls.max_half_open: expected a whole number from 1 to 1000000, found 0");
  CHECK(error_of("roles: [auth]\ntls:\n  handshake_timeout: 500ms\n") ==
        "test.yaml:3:22: tls.handshake_timeout: expected a duration from 1s to 10m such as 500ms, 30s or 2m, "
        "found '500ms'");
  CHECK(error_of("roles: [auth]\ntls:\n  cookie_rotation: 2d\n")
            .find("test.yaml:3:20: tls.cookie_rotation: "
                  "expected a duration from 1s to 24h") == 0);
  CHECK(error_of("roles: [auth]\ntls:\n  retransmit_initial: 5ms\n") ==
        "test.yaml:3:23: tls.retransmit_initial: expected a duration from 10ms to 1m such as "
        "500ms, "
        "30s or 2m, found '5ms'");
  CHECK(error_of("roles: [auth]\ntls:\n  retransmit_initial: 10s\n") ==
        "test.yaml:3:23: tls.retransmit_initial: expected tls.retransmit_initial (10s) no longer than "
        "tls.retransmit_max (2s)");
}

TEST_CASE("session: auth_timeout and max_bad_messages, defaults from the session knobs") {
  auto defaults = load_text("roles: [auth]\n", "test.yaml", base).session;
  CHECK(defaults.auth_timeout == gs::session::knobs::auth_timeout.def);
  CHECK(defaults.max_bad_messages == gs::session::knobs::max_bad_messages.def);
  auto config =
      load_text("roles: [auth]\nsession:\n  auth_timeout: 20s\n  max_bad_messages: 0\n", "test.yaml", base)
          .session;
  CHECK(config.auth_timeout == 20s);
  CHECK(config.max_bad_messages == 0u);
  CHECK(error_of("roles: [auth]\nsession:\n  auth_timeout: 0s\n") ==
        "test.yaml:3:17: session.auth_timeout: expected a duration from 1s to 10m such as 500ms, 30s or 2m, "
        "found '0s'");
  CHECK(error_of("roles: [auth]\nsession:\n  max_bad_messages: 100001\n") ==
        "test.yaml:3:21: session.max_bad_messages: expected a whole number from 0 to 100000, found 100001");
}

TEST_CASE("channel.lanes: each lane's priority and weight, within the lane knobs' ranges") {
  auto defaults = load_text("roles: [auth]\n", "test.yaml", base).channel.lanes;
  CHECK(defaults.control.priority == 0u);
  CHECK(defaults.reliable.priority == 0u);
  CHECK(defaults.unordered.priority == 0u);
  CHECK(defaults.sequenced.priority == 1u);
  CHECK(defaults.unreliable.priority == 1u);
  CHECK(defaults.reliable.weight == gs::channel::knobs::lane_weight.def);
  auto lanes = load_text("roles: [auth]\nchannel:\n  lanes:\n    reliable: {priority: 2, weight: 10}\n",
                         "test.yaml", base)
                   .channel.lanes;
  CHECK(lanes.reliable.priority == 2u);
  CHECK(lanes.reliable.weight == 10u);
  CHECK(lanes.sequenced.priority == 1u);
  CHECK(error_of("roles: [auth]\nchannel:\n  lanes:\n    sequenced:\n      priority: 8\n") ==
        "test.yaml:5:17: channel.lanes.sequenced.priority: expected a whole number from 0 to 7, found 8");
  // The lane names before protocol version 2 are refused by name, not ignored.
  CHECK(error_of("roles: [auth]\nchannel:\n  lanes:\n    input: {weight: 2}\n")
            .find("test.yaml:4:5: channel.lanes.input: unknown key") == 0);
  CHECK(error_of("roles: [auth]\nchannel:\n  lanes:\n    control: {weight: 0}\n") ==
        "test.yaml:4:23: channel.lanes.control.weight: expected a whole number from 1 to 1000, found 0");
  CHECK(error_of("roles: [auth]\nchannel:\n  lanes:\n    chat: {weight: 2}\n")
            .find("test.yaml:4:5: channel.lanes.chat: unknown key") == 0);
}

TEST_CASE("world.game: the module path is relative to the config file; settings reach the game flattened") {
  const auto none = load_text("roles: [world]\n", "test.yaml", base).world.game;
  CHECK(none.module.empty());
  CHECK(none.settings.empty());
  const auto game = load_text(
                        "roles: [world]\nworld:\n  game:\n    module: games/arena.so\n    settings:\n"
                        "      speed: 5000\n      spawn: {x: 1, y: 2}\n      maps: [north, south]\n",
                        "test.yaml", base)
                        .world.game;
  CHECK(game.module == base / "games/arena.so");
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& s : game.settings) pairs.emplace_back(s.key, s.value);
  CHECK(pairs ==
        std::vector<std::pair<std::string, std::string>>{
            {"speed", "5000"}, {"spawn.x", "1"}, {"spawn.y", "2"}, {"maps.0", "north"}, {"maps.1", "south"}});
  // Written out and read back, the game sees the same settings.
  gs::config::Config config = load_text("roles: [world]\n", "test.yaml", base);
  config.world.game = game;
  const auto again = load_text(gs::config::to_yaml(config), "t2.yaml", base).world.game;
  REQUIRE(again.settings.size() == game.settings.size());
  for (std::size_t i = 0; i < again.settings.size(); ++i)
    CHECK(again.settings[i].key == game.settings[i].key);
}

TEST_CASE("world.game: a bad settings key names the file, line and full key") {
  CHECK(error_of("roles: [world]\nworld:\n  game:\n    settings: [1, 2]\n") ==
        "test.yaml:4:15: world.game.settings: expected a map of the game's settings, found a list");
  CHECK(error_of("roles: [world]\nworld:\n  game:\n    settings:\n      spawn:\n        a.b: 1\n")
            .find("test.yaml:6:9: world.game.settings.spawn.a.b: a key must not contain '.'") == 0);
  CHECK(error_of("roles: [world]\nworld:\n  game:\n    modul: x.so\n")
            .find("test.yaml:4:5: world.game.modul: unknown key") == 0);
}
