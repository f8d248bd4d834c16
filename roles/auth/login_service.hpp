#pragma once
// The auth role's answer to Authenticate: throttle, look the account up and check the
// password off the event loop, pick a world, sign a token. No sockets here; the
// account database runs through one Runner (a thread of its own in the role: a store
// is one connection) and hashing through another (the worker pool), inline in tests;
// time is passed in. The loop never waits for the database or for a hash.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <asio/io_context.hpp>

#include "auth/world_directory.hpp"
#include "common/worker_pool.hpp"
#include "crypto/token_signer.hpp"
#include "protocol/messages.hpp"
#include "store/account_store.hpp"
#include "store/password_hash.hpp"
#include "store/throttle.hpp"

namespace gs::roles {

struct Clock {
  std::chrono::steady_clock::time_point steady;
  std::chrono::sys_seconds wall;
};

struct LoginStats {
  std::uint64_t ok = 0;
  std::uint64_t bad_credentials = 0;
  std::uint64_t throttled = 0;
  std::uint64_t disabled = 0;
  std::uint64_t no_world = 0;
  std::uint64_t busy = 0;
  std::uint64_t internal = 0;
  std::uint64_t unavailable = 0;  // the account database could not be reached
  std::uint64_t rehashed = 0;
};

class LoginService {
 public:
  // Runs `work` off the event loop, then `done(clock at completion)` on it.
  using Runner = std::function<void(std::function<void()> work, std::function<void(Clock now)> done)>;
  using Reply = std::function<void(protocol::AuthResult)>;

  struct Settings {
    std::uint32_t max_in_flight = 4;  // logins being looked up or hashed
    std::chrono::seconds token_ttl{30};
  };

  LoginService(store::account_store& accounts, const store::password_hasher& hasher, store::login_throttle& throttle,
               const crypto::token_signer& signer, WorldDirectory& worlds, Settings settings, Runner database,
               Runner hashing);

  // Answers exactly once through `reply`, at once or after the lookup and the hash.
  // The password in `request` is wiped.
  void authenticate(protocol::Authenticate request, Clock now, Reply reply);

  // The runner the auth role uses: work on `pool`, completion posted back to `io`
  // unless `alive` has turned false.
  static Runner pool_runner(gs::WorkerPool& pool, asio::io_context& io, std::shared_ptr<bool> alive);

  std::uint32_t in_flight() const { return in_flight_; }
  const LoginStats& stats() const { return stats_; }

 private:
  struct Attempt;
  void check_password(std::shared_ptr<Attempt> attempt);
  void finish(Attempt& attempt, Clock now);
  void rehash(const std::string& name, const std::string& old_hash, std::shared_ptr<std::string> password);
  void answer(const protocol::Authenticate& request, const char* reason, const Reply& reply);

  store::account_store& accounts_;
  const store::password_hasher& hasher_;
  store::login_throttle& throttle_;
  const crypto::token_signer& signer_;
  WorldDirectory& worlds_;
  Settings settings_;
  Runner database_;
  Runner hashing_;
  std::uint32_t in_flight_ = 0;
  LoginStats stats_;
};

}  // namespace gs::roles
