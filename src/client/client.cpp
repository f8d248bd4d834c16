#include "client/client.hpp"

#include <set>
#include <stdexcept>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "crypto/secret.hpp"
#include "gameserver/game.h"
#include "session/codec.hpp"
#include "session/control.hpp"

namespace gs::client {

using session::decode;
using session::encode;
using Steady = std::chrono::steady_clock;

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::joined: return "joined";
    case Outcome::login_failed: return "login_failed";
    case Outcome::unreachable: return "unreachable";
    case Outcome::certificate: return "certificate";
    case Outcome::refused: return "refused";
    case Outcome::disconnected: return "disconnected";
    case Outcome::timeout: return "timeout";
  }
  return "?";
}

namespace {

// The name a client user is given for a dropped connection (ClientEvents::disconnected,
// LoginResult::reason, and through them the C API's strings): the code's name, except
// that a server's close reads "remote" whatever reason its CLOSE gave, as it did before
// the remote range existed, so callers that compare against "remote" keep working.
std::string_view public_reason(EndCode code) {
  return range_of(code) == EndRange::remote ? to_string(EndCode::remote) : to_string(code);
}

std::span<const std::uint8_t> as_u8(const std::vector<std::byte>& b) {
  return {reinterpret_cast<const std::uint8_t*>(b.data()), b.size()};
}

double ms_since(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

}  // namespace

class Client::Impl {
 public:
  enum class Stage { idle, gateway, world, in_world, reconnecting, done };

  // One connection (gateway or world): its own host, events and observer. A world
  // connection given up for a resume is retired: its host is dropped silently (no CLOSE,
  // no close_notify: the world must see the path break, not a goodbye) and whatever it
  // still reports is ignored.
  struct Side final : session::SessionEvents, peers::PeerObserver {
    Impl& impl;
    bool world;
    bool resume = false;  // a world connection that sends a ResumeRequest instead of the token
    bool retired = false;
    std::unique_ptr<peers::PeerHost> host;
    peers::Peer* peer = nullptr;
    Side(Impl& i, bool w, bool r = false) : impl(i), world(w), resume(r) {}

    void on_authenticating(session::Session& s, session::Time) override {
      if (retired) return;
      if (resume) {
        s.send_auth(as_u8(encode(impl.resume_request())));
      } else if (world) {
        s.send_auth({reinterpret_cast<const std::uint8_t*>(impl.token_.data()), impl.token_.size()});
      } else {
        s.send_auth(as_u8(encode(protocol::ClientHello{protocol::protocol_version, impl.options_.game})));
      }
    }
    void on_auth_data(session::Session& s, std::span<const std::uint8_t> data, session::Time now) override {
      auto hello =
          decode<protocol::ServerHello>({reinterpret_cast<const std::byte*>(data.data()), data.size()});
      if (!hello || hello->version != protocol::protocol_version)
        return s.refuse_auth("version_mismatch", now);
      if (hello->role != (world ? "world" : "gateway")) return s.refuse_auth("wrong_role", now);
      s.complete_auth(now);
    }
    void on_connected(session::Session& s, session::Time) override {
      if (retired) return;
      // Closed meanwhile: the password never leaves.
      if (!world && impl.stage_ == Stage::gateway) impl.send_login(s);
      if (resume) impl.on_resumed();
    }
    void on_authentication_failed(session::Session&, std::string_view reason, session::Time) override {
      if (retired) return;
      if (resume) return impl.on_resume_refused(reason);
      impl.finish(Outcome::refused, std::string(reason));
    }
    void on_message(session::Session&, std::uint8_t lane, std::uint8_t type, std::span<const std::byte> m,
                    session::Time) override {
      if (retired) return;
      world ? impl.on_world_message(lane, type, m) : impl.on_gateway_message(type, m);
    }
    void on_closed(session::Session&, const End&, session::Time) override {}
    void on_peer_added(peers::Peer& p) override { peer = &p; }
    void on_peer_removed(peers::Peer&, const End& end) override {
      peer = nullptr;
      if (!retired) impl.on_dropped(world, end);
    }
    void on_connect_failed(transport::ConnectionId, const End& end) override {
      if (!retired) impl.on_dropped(world, end);
    }
  };

  Impl(asio::io_context& io, ClientOptions options)
      : io_(io), options_(std::move(options)), timer_(io), watch_timer_(io), resume_timer_(io) {
    if (options_.game.empty() || options_.game.size() > protocol::max_name)
      throw std::invalid_argument("game: expected 1.." + std::to_string(protocol::max_name) +
                                  " bytes, found " + std::to_string(options_.game.size()));
    if (options_.resume_after.count() != 0 && options_.resume_after < min_resume_after)
      throw std::invalid_argument("resume_after: expected 0 or at least 40 ms, found " +
                                  std::to_string(options_.resume_after.count()) + " ms");
  }
  ~Impl() {
    *alive_ = false;
    stage_ = Stage::done;  // the connections end below; no event reaches the user from here
    timer_.cancel();
    watch_timer_.cancel();
    resume_timer_.cancel();
    if (gateway_.host) gateway_.host->shutdown();
    if (world_ && world_->host) world_->host->shutdown();
  }

  std::unique_ptr<peers::PeerHost> make_host(Side& side) {
    transport::HostOptions options;
    dtls::ClientConfig tls;
    tls.insecure = options_.insecure;
    if (!options_.insecure) tls.ca_file = options_.trust.string();
    if (!side.world) tls.server_name = options_.server_name;
    options.client = std::make_shared<const dtls::ClientContext>(tls);
    options.channel = peers::channel_config(options_.channel);
    // A quiet world link PINGs often enough that silence means a broken path (resume_after).
    if (side.world && options_.resume_after.count() != 0)
      options.channel.keepalive_interval = std::max<channel::Duration>(
          channel::knobs::keepalive_interval.min,
          std::min<channel::Duration>(options.channel.keepalive_interval, options_.resume_after / 4));
    options.impair(options_.impairment, options_.impairment_seed);
    return std::make_unique<peers::PeerHost>(io_, std::move(options), session::SessionConfig{}, side, side);
  }

  void start(std::string user, std::string password, std::string world,
             std::function<void(const FlowResult&)> done) {
    done_ = std::move(done);
    user_ = std::move(user);
    password_ = std::move(password);
    world_request_ = std::move(world);
    stage_ = Stage::gateway;
    stage_start_ = Steady::now();
    if (Client::login_fields_error(user_, password_, world_request_)) {
      // `done` runs on the loop, as for every other outcome.
      asio::post(io_, [this, alive = alive_] {
        if (*alive) finish(Outcome::login_failed, "invalid_argument");
      });
      return;
    }
    try {
      gateway_.host = make_host(gateway_);
    } catch (const std::exception& e) {
      return finish(Outcome::certificate, e.what());
    }
    auto address = peers::resolve(io_, options_.gateway);
    if (!address || gateway_.host->connect(*address, options_.gateway.host) == 0)
      return finish(Outcome::unreachable, "cannot resolve or reach " + options_.gateway.to_string());
    arm_timeout();
  }

  void arm_timeout() {
    timer_.expires_after(options_.timeout);
    timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec && (stage_ == Stage::gateway || stage_ == Stage::world))
        finish(Outcome::timeout,
               stage_ == Stage::gateway ? "no answer from the gateway" : "no answer from the world");
    });
  }

  void send_login(session::Session& s) {
    protocol::LoginRequest request{user_, password_, world_request_};
    // Every copy of the password is wiped: ours, the request's and the encoded bytes
    // (the channel keeps its own until acknowledged).
    auto bytes = encode(request);
    s.send(protocol::lane_control, bytes);
    crypto::wipe(bytes);
    crypto::wipe(request.password);
    crypto::wipe(password_);
  }

  void on_gateway_message(std::uint8_t type, std::span<const std::byte> m) {
    if (type != protocol::LoginResponse::type || stage_ != Stage::gateway) return;
    auto response = decode<protocol::LoginResponse>(m);
    if (!response) return finish(Outcome::disconnected, "malformed answer from the gateway");
    result_.login_ms = ms_since(stage_start_);
    if (!response->ok) return finish(Outcome::login_failed, response->reason);
    result_.world_id = response->world_id;
    result_.world_address = response->world_address;
    token_ = std::move(response->token);
    // The gateway closes after its answer; go on to the world.
    connect_world();
  }

  void join(std::string token, std::string world_address, std::function<void(const FlowResult&)> done) {
    done_ = std::move(done);
    token_ = std::move(token);
    result_.world_address = std::move(world_address);
    connect_world();
  }

  void connect_world() {
    stage_ = Stage::world;
    stage_start_ = Steady::now();
    auto endpoint = parse_endpoint(result_.world_address);
    std::optional<net::Address> address;
    if (endpoint) address = peers::resolve(io_, *endpoint);
    if (!address)
      return finish(Outcome::unreachable, "cannot resolve the world address " + result_.world_address);
    world_address_ = *address;
    world_host_ = endpoint->host;
    world_ = std::make_unique<Side>(*this, true);
    try {
      world_->host = make_host(*world_);
    } catch (const std::exception& e) {
      return finish(Outcome::certificate, e.what());
    }
    if (world_->host->connect(world_address_, world_host_) == 0)
      return finish(Outcome::unreachable, "cannot reach the world");
    arm_timeout();
  }

  void on_world_message(std::uint8_t lane, std::uint8_t type, std::span<const std::byte> m) {
    if (lane != protocol::lane_control) return on_game_message(lane, m);
    // What a ResumeRequest reports: every lane-0 message since the Welcome (which is 1)
    // except tickets, whether or not it decodes.
    if (type != protocol::ResumeTicket::type && received_ > 0) ++received_;
    switch (type) {
      case protocol::Welcome::type:
        if (auto welcome = decode<protocol::Welcome>(m); welcome && stage_ == Stage::world)
          on_welcome(*welcome);
        return;
      case protocol::ResumeTicket::type:
        if (auto t = decode<protocol::ResumeTicket>(m)) {
          ticket_ = std::move(t->ticket);
          grace_ms_ = t->grace_ms;
        }
        return;
      case protocol::Kicked::type:
        if (auto k = decode<protocol::Kicked>(m)) kicked_ = k->reason;
        return;
      default: return dispatch_event(type, m);
    }
  }

  void on_welcome(const protocol::Welcome& welcome) {
    received_ = 1;
    received_reliable_ = 0;
    unordered_below_ = 1;
    unordered_above_.clear();
    unordered_lost_track_ = false;
    result_.player_id = welcome.player_id;
    result_.join_ms = ms_since(stage_start_);
    crypto::wipe(token_);
    stage_ = Stage::in_world;
    timer_.cancel();
    start_watch();
    finish(Outcome::joined, "");
    // Game messages that overtook the Welcome (lanes are independent), now in the world.
    auto held = std::move(held_);
    held_.clear();
    for (const auto& [lane, bytes] : held) on_game_message(lane, bytes);
  }

  // --- game messages (lanes 1..4) ---

  // A world message on a game lane. Before the Welcome it is held (the world counts and
  // numbers from the Welcome on, and the lanes race each other); in the world it is
  // counted (lane 1), its number checked and stripped (lane 2), then delivered.
  void on_game_message(std::uint8_t lane, std::span<const std::byte> m) {
    if (stage_ == Stage::world) {
      if (held_.size() < max_held)
        held_.emplace_back(lane, std::vector<std::byte>(m.begin(), m.end()));
      else
        ++message_stats_.dropped_before_join;
      return;
    }
    if (stage_ != Stage::in_world) return;
    if (lane == protocol::lane_reliable) ++received_reliable_;
    if (lane == protocol::lane_unordered) {
      auto numbered = protocol::read_numbered(m);
      if (!numbered) {
        ++message_stats_.short_unordered;
        return;
      }
      if (!take_number(numbered->number)) {
        ++message_stats_.duplicate_unordered;
        return;
      }
      m = numbered->data;
    }
    arena_event(lane, m);
    if (events_.message && stage_ == Stage::in_world) events_.message(lane, m);
  }

  // The arena's snapshots (lane 3) and chat (lane 1), for the helpers beside the
  // generic messages; a game that does not set those events pays a null check.
  void arena_event(std::uint8_t lane, std::span<const std::byte> m) {
    if (m.empty()) return;
    const auto type = std::to_integer<std::uint8_t>(m[0]);
    if (lane == protocol::lane_sequenced && type == protocol::Snapshot::type && events_.snapshot) {
      if (auto s = decode<protocol::Snapshot>(m)) events_.snapshot(*s);
    } else if (lane == protocol::lane_reliable && type == protocol::ChatEvent::type && events_.chat) {
      if (auto c = decode<protocol::ChatEvent>(m)) events_.chat(*c);
    }
  }

  // Records lane-2 number `n` as received; false if it already was (or is 0, which the
  // world never sends).
  bool take_number(std::uint32_t n) {
    if (n < unordered_below_) return false;
    if (n == unordered_below_) {
      ++unordered_below_;
      while (!unordered_above_.empty() && *unordered_above_.begin() == unordered_below_) {
        unordered_above_.erase(unordered_above_.begin());
        ++unordered_below_;
      }
      return true;
    }
    if (unordered_above_.contains(n)) return false;
    // Past any backlog a world keeps: the set stops growing, and no resume can follow.
    if (unordered_above_.size() >= max_tracked_above) {
      unordered_lost_track_ = true;
      return true;
    }
    unordered_above_.insert(n);
    return true;
  }

  // Whether a ResumeRequest can say what arrived on lane 2: at most
  // protocol::max_unordered_above numbers, and the whole request within the pre-auth
  // data limit (session::max_auth_data, which with a long ticket is reached first).
  bool unordered_expressible() const {
    if (unordered_lost_track_ || unordered_above_.size() > protocol::max_unordered_above) return false;
    const auto bytes = encode(resume_request());
    return !bytes.empty() && bytes.size() <= session::max_auth_data;
  }

  protocol::ResumeRequest resume_request() const {
    protocol::ResumeRequest r;
    r.received = received_;
    r.received_reliable = received_reliable_;
    r.unordered_below = unordered_below_;
    for (std::uint32_t n : unordered_above_) r.unordered_above.push_back({n});
    r.ticket = ticket_;
    return r;
  }

  // Lane-0 messages that only become events.
  void dispatch_event(std::uint8_t type, std::span<const std::byte> m) {
    switch (type) {
      case protocol::PlayerJoined::type:
        if (auto j = decode<protocol::PlayerJoined>(m); j && events_.joined) events_.joined(*j);
        return;
      case protocol::PlayerLeft::type:
        if (auto l = decode<protocol::PlayerLeft>(m); l && events_.left) events_.left(*l);
        return;
      case protocol::PlayerStatus::type:
        if (auto p = decode<protocol::PlayerStatus>(m);
            p && p->state <= static_cast<std::uint8_t>(protocol::PlayerState::suspended) && events_.status)
          events_.status(*p);
        return;
      default: return;
    }
  }

  // A dropped world connection that a resume may repair: the path timed out or DTLS
  // failed, or the world's channel timed out on us. Not a kick, a goodbye or our close.
  static bool path_broke(const End& end) {
    return end.code == EndCode::timeout || end.code == EndCode::dtls_error ||
           end.code == EndCode::remote_timeout;
  }

  void on_dropped(bool world, const End& end) {
    if (!world && stage_ != Stage::gateway) return;  // the gateway closes after answering: expected
    if (world && stage_ == Stage::reconnecting) return retry_resume();
    if (world && stage_ == Stage::in_world) {
      if (kicked_.empty() && path_broke(end) && can_resume()) return begin_resume();
      stage_ = Stage::done;
      watch_timer_.cancel();
      if (events_.disconnected)
        events_.disconnected(kicked_.empty() ? std::string(public_reason(end.code)) : kicked_);
      return;
    }
    std::string why = end.detail.empty() ? std::string(public_reason(end.code)) : end.detail;
    if (end.code == EndCode::handshake_failed) return finish(Outcome::certificate, why);
    if (end.code == EndCode::handshake_timeout) return finish(Outcome::unreachable, why);
    finish(Outcome::disconnected, why);
  }

  void finish(Outcome outcome, std::string reason) {
    if (stage_ == Stage::done || stage_ == Stage::reconnecting ||
        (stage_ == Stage::in_world && outcome != Outcome::joined))
      return;
    if (outcome != Outcome::joined) stage_ = Stage::done;
    timer_.cancel();
    crypto::wipe(password_);
    result_.outcome = outcome;
    result_.reason = std::move(reason);
    if (done_) {
      auto done = std::move(done_);
      done_ = nullptr;
      done(result_);
    }
  }

  // --- resuming (docs/PROTOCOL.md, "Resuming a session") ---

  bool can_resume() const { return !ticket_.empty() && grace_ms_ != 0; }
  Steady::duration grace_left() const {
    return break_at_ + std::chrono::milliseconds(grace_ms_) - Steady::now();
  }

  // Looks at the world connection's received packets every quarter of resume_after.
  void start_watch() {
    if (options_.resume_after.count() == 0) return;
    last_packets_ = 0;
    last_heard_ = Steady::now();
    arm_watch();
  }
  void arm_watch() {
    watch_timer_.expires_after(options_.resume_after / 4);
    watch_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec && stage_ == Stage::in_world) on_watch();
    });
  }
  void on_watch() {
    std::uint64_t packets = 0;
    if (world_ && world_->peer)
      if (auto stats = world_->host->transport().stats(world_->peer->id()))
        packets = stats->channel.packets_received;
    const auto now = Steady::now();
    if (packets != last_packets_) {
      last_packets_ = packets;
      last_heard_ = now;
    } else if (now - last_heard_ >= options_.resume_after && can_resume()) {
      return begin_resume();
    }
    arm_watch();
  }

  // Drops the current world connection without a word; its host is destroyed from the
  // loop (this may run inside one of its callbacks).
  void retire_world() {
    if (!world_) return;
    world_->retired = true;
    retired_.push_back(std::move(world_));
    asio::post(io_, [this, alive = alive_] {
      if (*alive) retired_.clear();
    });
  }

  void begin_resume() {
    stage_ = Stage::reconnecting;
    watch_timer_.cancel();
    // The world could not be told which lane-2 messages arrived: it would refuse anyway.
    if (!unordered_expressible()) return end_resume("resume_refused: backlog");
    break_at_ = Steady::now();
    attempt_ = 0;
    backoff_ = first_backoff;
    retire_world();
    start_attempt();
  }

  void start_attempt() {
    if (grace_left() <= Steady::duration::zero()) return end_resume("resume_timeout");
    ++attempt_;
    if (events_.reconnecting) events_.reconnecting(attempt_);
    if (stage_ != Stage::reconnecting) return;  // closed from the event
    world_ = std::make_unique<Side>(*this, true, /*resume=*/true);
    bool started = false;
    try {
      world_->host = make_host(*world_);
      started = world_->host->connect(world_address_, world_host_) != 0;
    } catch (const std::exception&) {
    }
    if (!started) return retry_resume();
    // Each attempt is bounded, so a handshake stuck on a dead path gives way to a new socket.
    resume_timer_.expires_after(std::min<Steady::duration>(attempt_limit, grace_left()));
    resume_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec && stage_ == Stage::reconnecting) retry_resume();
    });
  }

  // The attempt under way failed: another after the backoff, while the grace lasts.
  void retry_resume() {
    retire_world();
    const auto left = grace_left();
    if (left <= Steady::duration::zero()) return end_resume("resume_timeout");
    resume_timer_.expires_after(std::min<Steady::duration>(backoff_, left));
    backoff_ = std::min(backoff_ * 2, max_backoff);
    resume_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec && stage_ == Stage::reconnecting) start_attempt();
    });
  }

  void on_resumed() {
    if (stage_ != Stage::reconnecting) return;
    resume_timer_.cancel();
    stage_ = Stage::in_world;
    // The world forgot this ticket's nonce; a fresh ticket follows the missed messages.
    ticket_.clear();
    const double ms = ms_since(break_at_);
    ++resume_stats_.resumes;
    resume_stats_.max_ms = std::max(resume_stats_.max_ms, ms);
    start_watch();
    if (events_.resumed) events_.resumed(ms);
  }

  void on_resume_refused(std::string_view reason) {
    if (stage_ != Stage::reconnecting) return;
    // Our auth timeout: the path may still be coming back.
    if (reason == "timeout") return retry_resume();
    end_resume("resume_refused: " + std::string(reason));
  }

  void end_resume(std::string reason) {
    stage_ = Stage::done;
    resume_timer_.cancel();
    retire_world();
    if (events_.disconnected) events_.disconnected(reason);
  }

  bool send_world(std::uint8_t lane, std::span<const std::byte> bytes) {
    if (stage_ != Stage::in_world || !world_ || !world_->peer) return false;
    return world_->peer->session().send(lane, bytes);
  }

  double rtt_ms() const {
    if (!world_ || !world_->peer || !world_->host) return 0;
    auto stats = world_->host->transport().stats(world_->peer->id());
    if (!stats) return 0;
    return std::chrono::duration<double, std::milli>(stats->channel.srtt).count();
  }

  TrafficStats world_traffic() const {
    if (!world_ || !world_->peer || !world_->host) return {};
    auto stats = world_->host->transport().stats(world_->peer->id());
    if (!stats) return {};
    return {stats->channel.bytes_sent, stats->channel.bytes_received, stats->channel.packets_sent,
            stats->channel.packets_received};
  }

  void close() {
    const Stage was = stage_;
    stage_ = Stage::done;
    done_ = nullptr;
    timer_.cancel();
    watch_timer_.cancel();
    resume_timer_.cancel();
    crypto::wipe(password_);
    crypto::wipe(token_);
    // Mid-flow the connection under way is dropped at once, so no login request or
    // token goes out after this; in the world the goodbye is flushed. Once done,
    // nothing is left to stop (and we may be inside one of its hosts' callbacks).
    if (was == Stage::gateway && gateway_.host) gateway_.host->shutdown();
    if ((was == Stage::world || was == Stage::reconnecting) && world_ && world_->host) {
      world_->retired = true;
      world_->host->shutdown();
    }
    if (was == Stage::in_world && world_ && world_->peer)
      world_->peer->session().close(/*flush=*/true, session::Time::clock::now());
  }

  static constexpr std::chrono::milliseconds min_resume_after{40};
  // Game messages held while waiting for the Welcome.
  static constexpr std::size_t max_held = 1024;
  // Lane-2 numbers tracked above the lowest missing one: more than any world backlog
  // (world.resume_backlog is at most 65536), so only a broken world reaches it.
  static constexpr std::size_t max_tracked_above = 65536;
  static constexpr std::chrono::milliseconds first_backoff{250};
  static constexpr std::chrono::milliseconds max_backoff{2000};
  // One resume attempt's DTLS handshake and pre-auth (handshake flights are resent from
  // 250 ms on, so several fit).
  static constexpr std::chrono::milliseconds attempt_limit{3000};

  asio::io_context& io_;
  ClientOptions options_;
  asio::steady_timer timer_;
  asio::steady_timer watch_timer_;   // silence on the world connection
  asio::steady_timer resume_timer_;  // a resume attempt's bound, or the backoff before the next
  Side gateway_{*this, false};
  std::unique_ptr<Side> world_;
  std::vector<std::unique_ptr<Side>> retired_;  // world connections given up, destroyed from the loop
  net::Address world_address_;
  std::string world_host_;
  Stage stage_ = Stage::idle;
  Steady::time_point stage_start_{};
  std::string user_, password_, world_request_, token_, kicked_;
  std::uint32_t input_sequence_ = 0;
  // Resuming: the latest ticket and its grace, lane-0 messages received since the
  // Welcome, when the break was noticed and the attempts since.
  std::vector<std::uint8_t> ticket_;
  std::uint32_t grace_ms_ = 0;
  std::uint32_t received_ = 0;
  // ... lane-1 messages since the Welcome; on lane 2 every number below unordered_below_
  // was received, and those in unordered_above_ above it (lost track: more than could be
  // kept, so no resume can be asked for).
  std::uint32_t received_reliable_ = 0;
  std::uint32_t unordered_below_ = 1;
  std::set<std::uint32_t> unordered_above_;
  bool unordered_lost_track_ = false;
  std::vector<std::pair<std::uint8_t, std::vector<std::byte>>> held_;
  MessageStats message_stats_;
  std::uint64_t last_packets_ = 0;
  Steady::time_point last_heard_{};
  Steady::time_point break_at_{};
  std::uint32_t attempt_ = 0;
  std::chrono::milliseconds backoff_{first_backoff};
  ResumeStats resume_stats_;
  FlowResult result_;
  ClientEvents events_;
  std::function<void(const FlowResult&)> done_;
  // Lets a posted handler see that the client is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

Client::Client(asio::io_context& io, ClientOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}
Client::~Client() = default;

void Client::login_and_join(std::string user, std::string password,
                            std::function<void(const FlowResult&)> done, std::string world) {
  impl_->start(std::move(user), std::move(password), std::move(world), std::move(done));
}

void Client::join_world(std::string token, std::string world_address,
                        std::function<void(const FlowResult&)> done) {
  impl_->join(std::move(token), std::move(world_address), std::move(done));
}

void Client::set_events(ClientEvents events) { impl_->events_ = std::move(events); }
void Client::set_server_name(std::string name) { impl_->options_.server_name = std::move(name); }
bool Client::in_world() const { return impl_->stage_ == Impl::Stage::in_world; }
bool Client::reconnecting() const { return impl_->stage_ == Impl::Stage::reconnecting; }

bool Client::send(std::uint8_t lane, std::span<const std::byte> data) {
  if (lane < protocol::lane_reliable || lane > protocol::lane_unreliable || data.size() > GS_GAME_MAX_MESSAGE)
    return false;
  return impl_->send_world(lane, data);
}

bool Client::send_input(std::int32_t move_x, std::int32_t move_y) {
  return impl_->send_world(protocol::lane_sequenced,
                           encode(protocol::Input{++impl_->input_sequence_, move_x, move_y}));
}

std::optional<std::string> Client::login_fields_error(std::string_view user, std::string_view password,
                                                      std::string_view world) {
  if (user.empty()) return "the user is empty";
  if (user.size() > protocol::max_name)
    return "the user is longer than " + std::to_string(protocol::max_name) + " bytes";
  if (password.size() > protocol::max_password)
    return "the password is longer than " + std::to_string(protocol::max_password) + " bytes";
  if (world.size() > protocol::max_name)
    return "the world is longer than " + std::to_string(protocol::max_name) + " bytes";
  return std::nullopt;
}

bool Client::send_chat(std::string_view text) {
  if (text.empty() || text.size() > protocol::max_chat) return false;
  return impl_->send_world(protocol::lane_reliable, encode(protocol::Chat{std::string(text)}));
}

double Client::rtt_ms() const { return impl_->rtt_ms(); }
TrafficStats Client::world_traffic() const { return impl_->world_traffic(); }
ResumeStats Client::resume_stats() const { return impl_->resume_stats_; }
MessageStats Client::message_stats() const { return impl_->message_stats_; }
void Client::close() { impl_->close(); }

}  // namespace gs::client
