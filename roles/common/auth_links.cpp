#include "roles/common/auth_links.hpp"

#include <fmt/format.h>

namespace gs::roles {

AuthLinks::AuthLinks(asio::io_context& io, std::shared_ptr<spdlog::logger> log, std::string role,
                     std::string id, const std::vector<Endpoint>& auth, const crypto::SecretBuffer& secret,
                     const transport::HostOptions& options, const session::SessionConfig& session,
                     Callbacks callbacks)
    : log_(log), role_(role), addresses_(auth), callbacks_(std::move(callbacks)) {
  for (std::size_t i = 0; i < auth.size(); ++i) {
    AuthLink::Callbacks on{[this, i] {
                             changed();
                             if (callbacks_.up) callbacks_.up(i);
                           },
                           [this, i] {
                             changed();
                             if (callbacks_.down) callbacks_.down(i);
                           },
                           [this, i](std::uint8_t type, std::span<const std::byte> message) {
                             if (callbacks_.message) callbacks_.message(i, type, message);
                           }};
    AuthLink::Settings settings{role, id, auth[i]};
    settings.session = session;
    links_.push_back(
        std::make_unique<AuthLink>(io, log, std::move(settings), secret.clone(), options, std::move(on)));
  }
}

void AuthLinks::start() {
  for (auto& link : links_) link->start();
}

void AuthLinks::stop() {
  for (auto& link : links_) link->stop();
}

std::optional<std::size_t> AuthLinks::preferred() const {
  for (std::size_t i = 0; i < links_.size(); ++i)
    if (links_[i]->up()) return i;
  return std::nullopt;
}

std::optional<std::size_t> AuthLinks::send_preferred(std::span<const std::byte> message) {
  auto link = preferred();
  if (!link || !links_[*link]->send(message)) return std::nullopt;
  return link;
}

std::size_t AuthLinks::send_all(std::span<const std::byte> message) {
  std::size_t sent = 0;
  for (auto& link : links_)
    if (link->send(message)) ++sent;
  return sent;
}

void AuthLinks::set_secret(const crypto::SecretBuffer& secret) {
  for (auto& link : links_) link->set_secret(secret.clone());
}

void AuthLinks::set_trust(std::shared_ptr<const dtls::ClientContext> trust) {
  for (auto& link : links_) link->set_trust(trust);
}

// Only worth a line when there is a choice: with one auth server the link's own
// up/down lines say it all.
void AuthLinks::changed() {
  auto now = preferred();
  if (now == last_preferred_) return;
  if (links_.size() > 1) {
    if (now && last_preferred_) ++preference_changes_;
    if (now)
      log_->info("{}: auth at {} is now the preferred auth server", role_, addresses_[*now].to_string());
    else
      log_->warn("{}: no auth server linked", role_);
  }
  last_preferred_ = now;
}

void AuthLinks::collect(admin::MetricsWriter& out) const {
  out.gauge("gameserver_auth_link_up",
            "1 while the authenticated link to auth is up (to any listed auth server)", any_up() ? 1 : 0);
  auto preferred_link = preferred();
  for (std::size_t i = 0; i < links_.size(); ++i) {
    admin::Labels auth{{"auth", addresses_[i].to_string()}};
    out.gauge("gameserver_auth_server_up", "1 while the link to this auth server is up",
              links_[i]->up() ? 1 : 0, auth);
    out.gauge("gameserver_auth_server_preferred", "1 for the auth server that gets logins and is tried first",
              preferred_link == i ? 1 : 0, auth);
    if (auto stats = links_[i]->connection_stats())
      out.gauge("gameserver_auth_link_rtt_seconds", "Smoothed round-trip time of the link to auth",
                admin::seconds(stats->channel.srtt), auth);
  }
  out.counter("gameserver_auth_failovers_total", "Times the preferred auth server changed to another one",
              static_cast<double>(preference_changes_));
}

std::string AuthLinks::describe_down(std::string_view role) const {
  std::string text;
  for (std::size_t i = 0; i < links_.size(); ++i)
    if (!links_[i]->up())
      text += fmt::format("{}{}: auth link to {} down", text.empty() ? "" : "\n", role,
                          addresses_[i].to_string());
  return text;
}

}  // namespace gs::roles
