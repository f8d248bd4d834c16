#include "fake_world.hpp"

#include <algorithm>

#include "roles/common/tls_setup.hpp"
#include "session/codec.hpp"

namespace gs::test {

namespace {

std::span<const std::uint8_t> as_u8(const std::vector<std::byte>& b) {
  return {reinterpret_cast<const std::uint8_t*>(b.data()), b.size()};
}

std::unique_ptr<peers::PeerHost> listening(asio::io_context& io, const config::Config& config,
                                           std::uint16_t port, session::SessionEvents& events,
                                           peers::PeerObserver& observer) {
  auto options = roles::listening_host("fake", config, Endpoint{"127.0.0.1", port}, io);
  return std::make_unique<peers::PeerHost>(io, std::move(options), session::SessionConfig{}, events,
                                           observer);
}

}  // namespace

FakeWorld::FakeWorld(asio::io_context& io, const config::Config& config) : io_(io), config_(config) {
  listen();
  port_ = host_->transport().local_address().port();
}

FakeWorld::~FakeWorld() = default;

std::string FakeWorld::address() const { return "127.0.0.1:" + std::to_string(port_); }

void FakeWorld::listen() { host_ = listening(io_, config_, port_, *this, *this); }

void FakeWorld::go_silent() {
  stop();
  listen();
}

void FakeWorld::stop() {
  // Destroying the host closes its socket and sends nothing (no CLOSE, no close_notify).
  player_ = nullptr;
  resuming_.clear();
  host_.reset();
}

void FakeWorld::send(const std::vector<std::byte>& message) {
  sent_.push_back(message);
  if (player_) player_->session().send(protocol::lane_control, message);
}

void FakeWorld::send_game(std::uint8_t lane, const std::vector<std::byte>& message) {
  if (lane == protocol::lane_reliable) reliable_sent_.push_back(message);
  if (player_) player_->session().send(lane, message);
}

void FakeWorld::send_numbered(std::uint32_t n, const std::vector<std::byte>& message) {
  std::vector<std::byte> bytes;
  protocol::write_numbered(bytes, n, message);
  numbered_sent_.emplace_back(n, bytes);
  if (player_) player_->session().send(protocol::lane_unordered, bytes);
}

// What the client says it lacks, lane 0 first, then 1, then 2.
void FakeWorld::replay(const ResumeSeen& seen) {
  for (std::size_t i = seen.received; i < sent_.size(); ++i)
    player_->session().send(protocol::lane_control, sent_[i]);
  for (std::size_t i = seen.received_reliable; i < reliable_sent_.size(); ++i)
    player_->session().send(protocol::lane_reliable, reliable_sent_[i]);
  for (const auto& [n, bytes] : numbered_sent_) {
    const auto& above = seen.unordered_above;
    if (n >= seen.unordered_below && std::find(above.begin(), above.end(), n) == above.end())
      player_->session().send(protocol::lane_unordered, bytes);
  }
}

void FakeWorld::send_ticket() {
  ticket = {0x01, 'T', ++generation_, static_cast<std::uint8_t>(player_id)};
  if (player_)
    player_->session().send(protocol::lane_control,
                            session::encode(protocol::ResumeTicket{ticket, grace_ms}));
}

void FakeWorld::on_authenticating(session::Session& s, session::Time) {
  s.send_auth(
      as_u8(session::encode(protocol::ServerHello{protocol::protocol_version, config_.game, "world", "w1"})));
}

void FakeWorld::on_auth_data(session::Session& s, std::span<const std::uint8_t> data, session::Time now) {
  if (data.empty() || data[0] != protocol::ResumeRequest::type) return s.complete_auth(now);  // a token
  auto request = session::decode<protocol::ResumeRequest>(
      {reinterpret_cast<const std::byte*>(data.data()), data.size()});
  if (!request) return s.refuse_auth("malformed", now);
  peers::Peer* p = host_->find(s);
  ResumeSeen seen{request->received,        request->received_reliable,
                  request->unordered_below, {},
                  request->ticket,          p ? p->address().port() : std::uint16_t{0}};
  for (const auto& n : request->unordered_above) seen.unordered_above.push_back(n.n);
  resumes.push_back(std::move(seen));
  if (!refuse.empty()) return s.refuse_auth(refuse, now);
  if (request->ticket != ticket || request->received > sent_.size()) return s.refuse_auth("ticket_used", now);
  resuming_.push_back(&s);
  s.complete_auth(now);
}

void FakeWorld::on_connected(session::Session& s, session::Time) {
  player_ = host_->find(s);
  auto resumed = std::find(resuming_.begin(), resuming_.end(), &s);
  if (resumed == resuming_.end()) {
    join_port = player_->address().port();
    sent_.clear();
    reliable_sent_.clear();
    numbered_sent_.clear();
    send(session::encode(protocol::Welcome{player_id, "w1", "alice", 30}));
    send_ticket();
    if (on_join) on_join();
    return;
  }
  resuming_.erase(resumed);
  // What the client missed, then a fresh ticket.
  replay(resumes.back());
  send_ticket();
  if (on_resume) on_resume();
}

void FakeWorld::on_message(session::Session&, std::uint8_t lane, std::uint8_t type,
                           std::span<const std::byte> m, session::Time) {
  if (lane == protocol::lane_control) return;
  game_heard.emplace_back(lane, std::vector<std::byte>(m.begin(), m.end()));
  if (on_game) on_game(lane, game_heard.back().second);
  // The arena's chat, as the client library's send_chat sends it.
  if (lane != protocol::lane_reliable || type != protocol::Chat::type) return;
  auto chat = session::decode<protocol::Chat>(m);
  if (!chat) return;
  chat_heard.push_back(chat->text);
  if (on_chat) on_chat(chat->text);
}

void FakeWorld::kick(const std::string& reason) {
  if (!player_) return;
  send(session::encode(protocol::Kicked{reason}));
  player_->session().close(/*flush=*/true, session::Time::clock::now());
}

void FakeWorld::on_peer_removed(peers::Peer& p, const End&) {
  if (player_ == &p) player_ = nullptr;
}

FakeGateway::FakeGateway(asio::io_context& io, const config::Config& config, std::string world_address)
    : config_(config), world_address_(std::move(world_address)) {
  host_ = listening(io, config, 0, *this, *this);
}

FakeGateway::~FakeGateway() = default;

std::string FakeGateway::address() const {
  return "127.0.0.1:" + std::to_string(host_->transport().local_address().port());
}

void FakeGateway::on_authenticating(session::Session& s, session::Time) {
  s.send_auth(as_u8(
      session::encode(protocol::ServerHello{protocol::protocol_version, config_.game, "gateway", "g1"})));
}

void FakeGateway::on_message(session::Session& s, std::uint8_t, std::uint8_t type, std::span<const std::byte>,
                             session::Time now) {
  if (type != protocol::LoginRequest::type) return;
  s.send(protocol::lane_control,
         session::encode(protocol::LoginResponse{true, "", "e30.fake.token", "w1", world_address_}));
  s.close(/*flush=*/true, now);
}

}  // namespace gs::test
