#include "roles/gateway/gateway_service.hpp"

#include "crypto/secret.hpp"
#include "session/codec.hpp"

namespace gs::roles {

using session::decode;
using session::encode;
namespace reason = protocol::reason;

namespace {

std::span<const std::uint8_t> as_u8(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
}

}  // namespace

GatewayService::GatewayService(Settings settings, SendToAuth send_to_auth)
    : settings_(std::move(settings)), send_to_auth_(std::move(send_to_auth)) {}

void GatewayService::add_client(session::Session& session, std::uint64_t client_id, std::string address,
                                Time now) {
  Client client;
  client.session = &session;
  client.id = client_id;
  client.address = std::move(address);
  client.deadline = now + settings_.login_timeout;
  clients_[&session] = std::move(client);
}

void GatewayService::remove_client(session::Session& session) {
  auto it = clients_.find(&session);
  if (it == clients_.end()) return;
  if (it->second.phase == Phase::waiting_for_auth) by_request_.erase(it->second.request_id);
  clients_.erase(it);
}

void GatewayService::on_authenticating(session::Session& session, Time) {
  protocol::ServerHello hello;
  hello.game = settings_.game;
  hello.role = "gateway";
  hello.id = settings_.id;
  session.send_auth(as_u8(encode(hello)));
}

void GatewayService::on_auth_data(session::Session& session, std::span<const std::uint8_t> data, Time now) {
  auto hello = decode<protocol::ClientHello>({reinterpret_cast<const std::byte*>(data.data()), data.size()});
  if (!hello) {
    ++stats_.clients_refused;
    return session.refuse_auth("bad_hello", now);
  }
  if (hello->version != protocol::protocol_version) {
    ++stats_.clients_refused;
    return session.refuse_auth("version_mismatch", now);
  }
  if (hello->game != settings_.game) {
    ++stats_.clients_refused;
    return session.refuse_auth("wrong_game", now);
  }
  session.complete_auth(now);
}

void GatewayService::on_connected(session::Session& session, Time) {
  auto it = clients_.find(&session);
  if (it != clients_.end()) it->second.phase = Phase::ready;
}

void GatewayService::on_authentication_failed(session::Session&, std::string_view, Time) {}

void GatewayService::on_message(session::Session& session, std::uint8_t lane, std::uint8_t type,
                                std::span<const std::byte> message, Time now) {
  auto it = clients_.find(&session);
  if (it == clients_.end()) return;
  // A login travels on the control lane; the game's lanes have nothing to say here.
  if (lane != protocol::lane_control || type != protocol::LoginRequest::type) {
    ++stats_.malformed;
    return;
  }
  handle_login(it->second, message, now);
}

void GatewayService::handle_login(Client& client, std::span<const std::byte> message, Time now) {
  // One login per connection: a repeated request is dropped, the first one stands.
  if (client.phase != Phase::ready) {
    ++stats_.extra_requests;
    return;
  }
  auto request = decode<protocol::LoginRequest>(message);
  if (!request) {
    ++stats_.malformed;
    client.phase = Phase::answered;
    return respond(client, {false, reason::bad_request, "", "", ""}, now);
  }
  protocol::Authenticate forward;
  forward.request_id = next_request_id_++;
  if (next_request_id_ == 0) next_request_id_ = 1;
  forward.player_id = client.id;
  forward.user = std::move(request->user);
  forward.password = std::move(request->password);
  forward.client_address = client.address;
  forward.world = std::move(request->world);
  auto sent = send_to_auth_(forward);
  crypto::wipe(forward.password);
  crypto::wipe(request->password);
  if (!sent) {
    ++stats_.unavailable;
    client.phase = Phase::answered;
    return respond(client, {false, reason::unavailable, "", "", ""}, now);
  }
  ++stats_.logins_forwarded;
  client.phase = Phase::waiting_for_auth;
  client.request_id = forward.request_id;
  client.link = sent->link;
  by_request_[forward.request_id] = client.session;
}

void GatewayService::respond(Client& client, protocol::LoginResponse response, Time now) {
  if (response.ok)
    ++stats_.logins_ok;
  else
    ++stats_.logins_failed;
  scratch_.clear();
  // The fields come from auth's answer, decoded under the same limits: cannot fail.
  if (encode(response, scratch_)) client.session->send(protocol::lane_control, scratch_);
  // The seed's peer_disconnect_later: the answer is delivered, then the link closes.
  client.session->close(/*flush=*/true, now);
}

void GatewayService::on_auth_result(const protocol::AuthResult& result, Time now) {
  auto it = by_request_.find(result.request_id);
  if (it == by_request_.end()) return;  // the client left meanwhile
  auto client = clients_.find(it->second);
  by_request_.erase(it);
  if (client == clients_.end() || client->second.id != result.player_id) return;
  client->second.phase = Phase::answered;
  respond(client->second, {result.ok, result.reason, result.token, result.world_id, result.world_address},
          now);
}

void GatewayService::on_auth_link_down(Time now, std::size_t link) {
  std::vector<session::Session*> waiting;
  for (auto it = by_request_.begin(); it != by_request_.end();) {
    auto client = clients_.find(it->second);
    if (client != clients_.end() && client->second.link != link) {
      ++it;
      continue;
    }
    waiting.push_back(it->second);
    it = by_request_.erase(it);
  }
  for (auto* session : waiting) {
    auto client = clients_.find(session);
    if (client == clients_.end()) continue;
    ++stats_.unavailable;
    client->second.phase = Phase::answered;
    respond(client->second, {false, reason::unavailable, "", "", ""}, now);
  }
}

void GatewayService::update(Time now) {
  // Chosen first, closed after: a transport may report the close from inside close()
  // (ours does not, see peers::PeerObserver), and that would erase from clients_.
  expired_.clear();
  for (auto& [session, client] : clients_) {
    if (client.phase == Phase::answered || now < client.deadline) continue;
    ++stats_.login_timeouts;
    client.phase = Phase::answered;
    if (client.request_id) by_request_.erase(client.request_id);
    expired_.push_back(session);
  }
  for (session::Session* session : expired_) {
    if (clients_.contains(session)) session->close(/*flush=*/false, now, End{EndCode::login_timeout, {}});
  }
}

GatewayService::Time GatewayService::next_wakeup() const {
  Time next = Time::max();
  for (const auto& [session, client] : clients_)
    if (client.phase != Phase::answered && client.deadline < next) next = client.deadline;
  return next;
}

void GatewayService::on_closed(session::Session&, const End&, Time) {}

}  // namespace gs::roles
