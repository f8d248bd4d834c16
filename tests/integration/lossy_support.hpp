#pragma once
// Players behind an impaired network (common/impairment.hpp on every UDP endpoint):
// they log in through gateway and auth, join the world, and one of them sends chat
// lines, which the world sends back to every player reliably. Used by the lossy quick
// test and the lossy soak test.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "client/client.hpp"
#include "config/config.hpp"
#include "support/login.hpp"

namespace gs::test {

// Settings a lossy test raises: many players from 127.0.0.1 and chat far above the
// world's per-player limit and the arena's chat bucket.
inline void allow_lossy_load(config::Config& config, unsigned players) {
  config.world.capacity = players + 10;
  config.world.rate_limit.input_per_s = 10000;
  config.world.rate_limit.input_burst = 100000;
  config.world.game.settings.push_back({"chat_per_s", "1000000"});
  config.world.game.settings.push_back({"chat_burst", "1000000"});
  config.world.rate_limit.kick_drops = 1000000;
  config.gateway.max_clients_per_address = players + 10;
}

struct LossyResult {
  std::size_t joined = 0;                  // players in the world when the chat began
  std::size_t login_attempts = 0;          // all players together
  std::map<std::string, int> failures;     // failed attempts by outcome and reason
  std::vector<std::vector<int>> received;  // per player, the chat lines' numbers in arrival order
  std::map<std::string, int> disconnects;
};

// Logs in `users` (password `password`), each player retrying a failed login until
// `join_within` has passed; once all are in, player 0 sends `messages` chat lines
// "0", "1", ... (`per_tick` every 10 ms) and the run ends when every player received
// them all or `deliver_within` has passed.
class LossyPlayers {
 public:
  LossyPlayers(client::ClientOptions options, std::vector<std::string> users, std::string password);
  ~LossyPlayers();
  LossyResult run(int messages, int per_tick, std::chrono::seconds join_within,
                  std::chrono::seconds deliver_within);

 private:
  struct Player;
  void start_login(std::size_t i);
  void on_flow(std::size_t i, const client::FlowResult& r);
  void send_some();
  bool all_received() const;

  asio::io_context io_;
  client::ClientOptions options_;
  std::vector<std::string> users_;
  std::string password_;
  std::vector<std::unique_ptr<Player>> players_;
  LossyResult result_;
  asio::steady_timer tick_;
  int messages_ = 0;
  int per_tick_ = 1;
  int sent_ = 0;
  bool sending_ = false;
};

}  // namespace gs::test
