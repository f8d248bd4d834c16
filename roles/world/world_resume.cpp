// Resuming a session (docs/PROTOCOL.md, "Resuming a session"): the ticket each seated
// player holds, the seat kept while its path is broken, and the resume that takes it
// back with every lane-0 message the player missed.

#include <algorithm>

#include "roles/world/world_service.hpp"
#include "session/codec.hpp"

namespace gs::roles {

using session::decode;
using session::encode;

namespace {

std::span<const std::byte> as_bytes(std::span<const std::uint8_t> data) {
  return {reinterpret_cast<const std::byte*>(data.data()), data.size()};
}

}  // namespace

void WorldService::refuse_resume(session::Session& session, const std::string& reason, Time now) {
  ++stats_.resumes_refused[reason];
  session.refuse_auth(reason, now);
}

// The checks run in PROTOCOL.md's order, so a refusal names the first that failed.
void WorldService::resume_auth(Client& client, std::span<const std::uint8_t> data, Time now) {
  session::Session& session = *client.session;
  auto request = decode<protocol::ResumeRequest>(as_bytes(data));
  if (!request) return refuse_resume(session, "malformed", now);
  auto claims = tickets_.verify(request->ticket, wall_clock_());
  if (!claims) return refuse_resume(session, crypto::to_string(claims.error()), now);
  auto seat = players_.find(claims->player_id);
  if (!resumes() || seat == players_.end() || seat->second.account != claims->account)
    return refuse_resume(session, "no_seat", now);
  if (!holds_ticket(seat->second, claims->nonce)) return refuse_resume(session, "ticket_used", now);
  if (!can_replay(seat->second, *request)) return refuse_resume(session, "backlog", now);
  client.account = claims->account;
  client.resume_of = claims->player_id;
  client.resume_request = std::move(*request);
  client.resume_nonce = claims->nonce;
  session.complete_auth(now);
}

void WorldService::complete_resume(Client& client, Time now) {
  session::Session& session = *client.session;
  auto seat = players_.find(client.resume_of);
  // Two connections may present the same ticket: the first one up takes the seat, and
  // the seat may have ended meanwhile (grace over, replaced).
  const bool gone = seat == players_.end() || seat->second.account != client.account;
  const bool used = !gone && !holds_ticket(seat->second, client.resume_nonce);
  if (gone || used) {
    const std::string reason = gone ? "no_seat" : "ticket_used";
    ++stats_.resumes_refused[reason];
    send(session, protocol::lane_control, protocol::Kicked{reason});
    return session.close(/*flush=*/true, now, End{EndCode::kicked, reason});
  }
  const std::uint32_t id = client.resume_of;
  Player& player = seat->second;
  // An old connection still open (the path changed before the world noticed) is dead.
  if (player.session) {
    if (auto old = clients_.find(player.session); old != clients_.end()) old->second.player_id = 0;
    player.session->close(/*flush=*/false, now, End{EndCode::resumed, {}});
  }
  const bool was_suspended = player.session == nullptr;
  player.session = &session;
  player.suspended_until = Time::max();
  client.player_id = id;
  client.resume_of = 0;
  replay(player, client.resume_request);
  player.ticket_nonces.clear();  // single use: the ticket just used, and the one beside it
  issue_ticket(id, player, now);
  ++stats_.resumed;
  if (!was_suspended) return;
  broadcast(protocol::PlayerStatus{id, static_cast<std::uint8_t>(protocol::PlayerState::active)}, id);
  if (game_) {
    game_->call_resumed(id);
    run_game_kicks(now);
  }
}

// Lanes 0 and 1 by count; lane 2 by number: every number from `unordered_below` up to
// the newest that is not listed as received must still be kept.
bool WorldService::can_replay(const Player& player, const protocol::ResumeRequest& r) const {
  if (!player.replay.covers(r.received) || !player.replay_reliable.covers(r.received_reliable)) return false;
  const ReplayLog& unordered = player.replay_unordered;
  const std::uint32_t newest = unordered.sent();
  if (r.unordered_below == 0 || r.unordered_below > newest + 1) return false;
  std::size_t listed_below_kept = 0;
  for (const auto& [n] : r.unordered_above) {
    if (n < r.unordered_below || n > newest) return false;  // numbers the world never sent there
    if (n < unordered.first_kept()) ++listed_below_kept;
  }
  // Those not kept any more must all have been received.
  const std::uint32_t gone =
      unordered.first_kept() > r.unordered_below ? unordered.first_kept() - r.unordered_below : 0;
  return listed_below_kept == gone;
}

void WorldService::replay(Player& player, const protocol::ResumeRequest& r) {
  session::Session& to = *player.session;
  player.replay.for_each_after(r.received,
                               [&](const std::vector<std::byte>& m) { to.send(protocol::lane_control, m); });
  player.replay_reliable.for_each_after(
      r.received_reliable, [&](const std::vector<std::byte>& m) { to.send(protocol::lane_reliable, m); });
  player.replay_unordered.for_each_kept([&](std::uint32_t n, const std::vector<std::byte>& m) {
    if (n < r.unordered_below) return;
    for (const auto& [got] : r.unordered_above)
      if (got == n) return;
    send_numbered(to, n, m);
  });
}

bool WorldService::holds_ticket(const Player& player, const crypto::ResumeNonce& nonce) {
  return std::find(player.ticket_nonces.begin(), player.ticket_nonces.end(), nonce) !=
         player.ticket_nonces.end();
}

bool WorldService::suspends(const End& end) const {
  switch (end.code) {
    case EndCode::timeout:         // nothing heard from the client
    case EndCode::dtls_error:      // its records stopped making sense
    case EndCode::replaced:        // a new handshake from the same address
    case EndCode::remote_timeout:  // the client gave up hearing from us
      return true;
    default: return false;  // a goodbye, a kick, a replacement, a shutdown, a protocol breach
  }
}

void WorldService::suspend(std::uint32_t player_id, Time now) {
  Player& player = players_.at(player_id);
  player.session = nullptr;
  player.suspended_until = now + settings_.resume_grace;
  ++stats_.suspended;
  broadcast(protocol::PlayerStatus{player_id, static_cast<std::uint8_t>(protocol::PlayerState::suspended)},
            player_id);
  if (game_) {
    game_->call_suspended(player_id);
    run_game_kicks(now);
  }
}

void WorldService::issue_ticket(std::uint32_t player_id, Player& player, Time now) {
  const auto grace = static_cast<std::uint64_t>(settings_.resume_grace.count());
  auto issued = tickets_.issue(player.account, player_id, wall_clock_() + 2 * grace + 5);
  if (issued.bytes.empty()) return;  // a name too long for a ticket: accounts and ids are checked shorter
  // A fresh ticket retires the one before last: the one just before may still be the
  // only one the client holds, if the newest is lost with its path.
  if (player.ticket_nonces.size() == 2) player.ticket_nonces.erase(player.ticket_nonces.begin());
  player.ticket_nonces.push_back(issued.nonce);
  player.next_ticket = now + settings_.resume_grace;
  const auto grace_ms = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.resume_grace);
  send(*player.session, protocol::lane_control,
       protocol::ResumeTicket{std::move(issued.bytes), static_cast<std::uint32_t>(grace_ms.count())});
}

void WorldService::resume_timers(Time now) {
  if (!resumes()) return;
  std::vector<std::uint32_t> expired;
  for (auto& [id, player] : players_) {
    if (!player.session) {
      if (now >= player.suspended_until) expired.push_back(id);
    } else if (now >= player.next_ticket) {
      issue_ticket(id, player, now);
    }
  }
  for (std::uint32_t id : expired) {
    ++stats_.resume_timeouts;
    leave(id, "timeout");
  }
}

}  // namespace gs::roles
