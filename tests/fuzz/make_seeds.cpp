// Writes the fuzzers' seed corpora, generated from the real code paths so that no
// binary blobs live in the repository: valid channel datagrams, every message type,
// a valid token, the shipped configs and a real DTLS ClientHello.
// Usage: make_seeds OUTDIR SOURCE_ROOT

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "channel/channel.hpp"
#include "config/load.hpp"
#include "crypto/token_signer.hpp"
#include "dtls/client.hpp"
#include "protocol/messages.hpp"
#include "session/control.hpp"

namespace fs = std::filesystem;

namespace {

void write(const fs::path& dir, const std::string& name, const std::vector<std::uint8_t>& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

template <class M>
void message_seed(const fs::path& dir, const M& m) {
  auto b = gs::session::encode(m);
  std::vector<std::uint8_t> bytes{0};  // lane 0
  for (auto x : b) bytes.push_back(std::to_integer<std::uint8_t>(x));
  write(dir, "type-" + std::to_string(M::type), bytes);
}

struct Sink final : gs::channel::ChannelEvents {
  void on_message(std::size_t, std::span<const std::byte>, gs::channel::Time) override {}
};

struct HelloCatcher final : gs::dtls::ClientHandler {
  std::vector<std::uint8_t> hello;
  void on_transmit(std::span<const std::uint8_t> d) override {
    if (hello.empty()) hello.assign(d.begin(), d.end());
  }
  void on_connected() override {}
  void on_data(std::span<const std::uint8_t>) override {}
  void on_closed(const gs::End&) override {}
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_seeds OUTDIR SOURCE_ROOT\n");
    return 2;
  }
  fs::path out = argv[1], root = argv[2];

  // Channel: the datagrams a channel sends for a few messages, framed with u16 lengths.
  {
    Sink sink;
    gs::channel::Channel channel({}, gs::channel::Time{}, sink);
    std::vector<std::byte> payload(3000, std::byte{0x42});
    for (std::size_t lane = 0; lane < 4; ++lane)
      channel.send(lane, std::span(payload).first(10 + lane * 900), {});
    std::vector<std::uint8_t> framed;
    channel.poll(gs::channel::Time{}, [&](std::span<const std::byte> d) {
      framed.push_back(static_cast<std::uint8_t>(d.size()));
      framed.push_back(static_cast<std::uint8_t>(d.size() >> 8));
      for (auto b : d) framed.push_back(std::to_integer<std::uint8_t>(b));
    });
    write(out / "channel", "datagrams", framed);
  }

  // Messages: one of each type.
  {
    using namespace gs::protocol;
    auto dir = out / "messages";
    message_seed(dir, gs::session::AuthData{{1, 2, 3}});
    message_seed(dir, gs::session::AuthRefused{"timeout"});
    message_seed(dir, ClientHello{gs::protocol::protocol_version, "gameserver"});
    message_seed(dir, LoginRequest{"alice", "correct horse", "world-1"});
    message_seed(dir, LoginResponse{true, "", "a.b.c", "world-1", "127.0.0.1:7200"});
    message_seed(dir, Authenticate{1, 2, "alice", "pw", "10.0.0.1:5", ""});
    message_seed(dir, AuthResult{1, 2, true, "", "a.b.c", "world-1", "127.0.0.1:7200"});
    message_seed(dir, WorldReport{"world-1", "127.0.0.1:7200", 100, 3});
    message_seed(dir, SeatUpdate{"alice", 7, true, 1700000000, "Yc3bX2n9QmWm1Hh0dQK2Cw"});
    message_seed(dir, Unseat{"alice", 7, "replaced"});
    message_seed(dir, Snapshot{7, {{1, 10, 20}, {2, 30, 40}}});
    message_seed(dir, Chat{"hello"});
  }

  // Token: a valid one for world-1, signed with the fuzzer's fixed key.
  {
    auto key = gs::crypto::Ed25519PrivateKey::from_seed(std::vector<std::uint8_t>(32, 7));
    gs::crypto::TokenSigner signer("auth-1", "k1", std::move(key));
    auto t = signer.issue("alice", "world-1", std::chrono::seconds(30),
                          std::chrono::sys_seconds{std::chrono::seconds{1'800'000'000}});
    write(out / "token", "valid", {t.token.begin(), t.token.end()});
  }

  // Config: the shipped sample configs and the printed defaults.
  for (const char* name : {"gameserver.yaml", "auth.yaml", "gateway.yaml", "world.yaml"}) {
    std::ifstream in(root / "etc" / name, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    write(out / "config", name, {text.begin(), text.end()});
  }
  {
    gs::config::Config defaults;
    defaults.roles = {"auth", "gateway", "world"};
    auto text = gs::config::to_yaml(defaults);
    write(out / "config", "defaults.yaml", {text.begin(), text.end()});
  }

  // DTLS: a real ClientHello, framed as the server fuzzer reads it.
  {
    gs::dtls::ClientConfig tls;
    tls.insecure = true;
    auto context = std::make_shared<const gs::dtls::ClientContext>(tls);
    HelloCatcher catcher;
    gs::dtls::Client client(context, catcher);
    client.start(gs::dtls::TimePoint{});
    std::vector<std::uint8_t> framed{0, static_cast<std::uint8_t>(catcher.hello.size()),
                                     static_cast<std::uint8_t>(catcher.hello.size() >> 8)};
    framed.insert(framed.end(), catcher.hello.begin(), catcher.hello.end());
    write(out / "dtls_server", "client-hello", framed);
  }
  return 0;
}
