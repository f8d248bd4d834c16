#include "lossy_support.hpp"

#include <asio/post.hpp>

#include <string>

namespace gs::test {

struct LossyPlayers::Player {
  std::unique_ptr<client::Client> client;
  bool joined = false;
  std::uint64_t attempt = 0;
};

LossyPlayers::LossyPlayers(client::ClientOptions options, std::vector<std::string> users,
                           std::string password)
    : options_(std::move(options)), users_(std::move(users)), password_(std::move(password)), tick_(io_) {
  result_.received.resize(users_.size());
  for (std::size_t i = 0; i < users_.size(); ++i) players_.push_back(std::make_unique<Player>());
}

LossyPlayers::~LossyPlayers() {
  for (auto& p : players_)
    if (p->client) p->client->close();
}

void LossyPlayers::start_login(std::size_t i) {
  Player& p = *players_[i];
  auto options = options_;
  // Every attempt of every player draws its own losses.
  options.impairment_seed = impair::derive_seed(options_.impairment_seed, i * 1000 + p.attempt++);
  p.client = std::make_unique<client::Client>(io_, options);
  client::ClientEvents events;
  events.chat = [this, i](const protocol::ChatEvent& e) { result_.received[i].push_back(std::stoi(e.text)); };
  events.disconnected = [this](std::string_view reason) { ++result_.disconnects[std::string(reason)]; };
  p.client->set_events(std::move(events));
  ++result_.login_attempts;
  p.client->login_and_join(users_[i], password_, [this, i](const client::FlowResult& r) { on_flow(i, r); });
}

void LossyPlayers::on_flow(std::size_t i, const client::FlowResult& r) {
  if (r.outcome == client::Outcome::joined) {
    players_[i]->joined = true;
    ++result_.joined;
    return;
  }
  ++result_.failures[std::string(client::to_string(r.outcome)) + ":" + r.reason];
  // Not from inside the client's own callback: the next attempt replaces it.
  asio::post(io_, [this, i] { start_login(i); });
}

bool LossyPlayers::all_received() const {
  for (const auto& r : result_.received)
    if (r.size() < static_cast<std::size_t>(messages_)) return false;
  return true;
}

void LossyPlayers::send_some() {
  for (int k = 0; k < per_tick_ && sent_ < messages_; ++k) {
    if (!players_[0]->client->send_chat(std::to_string(sent_))) break;  // queue full: next tick
    ++sent_;
  }
  if (sent_ == messages_) return;
  tick_.expires_after(std::chrono::milliseconds(10));
  tick_.async_wait([this](const asio::error_code& ec) {
    if (!ec) send_some();
  });
}

LossyResult LossyPlayers::run(int messages, int per_tick, std::chrono::seconds join_within,
                              std::chrono::seconds deliver_within) {
  messages_ = messages;
  per_tick_ = per_tick;
  for (std::size_t i = 0; i < players_.size(); ++i) start_login(i);
  const auto join_deadline = std::chrono::steady_clock::now() + join_within;
  while (result_.joined < players_.size() && std::chrono::steady_clock::now() < join_deadline)
    io_.run_for(std::chrono::milliseconds(50));
  if (result_.joined < players_.size()) return result_;
  // Lines sent before every player was in would not reach the late ones.
  for (auto& r : result_.received) r.clear();
  send_some();
  const auto deadline = std::chrono::steady_clock::now() + deliver_within;
  while (!all_received() && std::chrono::steady_clock::now() < deadline)
    io_.run_for(std::chrono::milliseconds(50));
  // A little longer: a duplicate delivered late would show here.
  io_.run_for(std::chrono::milliseconds(300));
  return result_;
}

}  // namespace gs::test
