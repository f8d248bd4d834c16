#pragma once
// The auth role's answer to Authenticate: throttle, check the password off the event
// loop, pick a world, sign a token. No sockets here; hashing runs through a
// HashRunner (the worker pool in the role, inline in tests) and time is passed in.

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
  // Runs `work` off the event loop, then `done(result, clock at completion)` on it.
  using HashRunner = std::function<void(std::function<std::string()> work,
                                        std::function<void(std::string result, Clock now)> done)>;
  using Reply = std::function<void(protocol::AuthResult)>;

  struct Settings {
    std::uint32_t max_in_flight = 4;
    std::chrono::seconds token_ttl{30};
  };

  LoginService(store::account_store& accounts, const store::password_hasher& hasher, store::login_throttle& throttle,
               const crypto::token_signer& signer, WorldDirectory& worlds, Settings settings, HashRunner runner);

  // Answers exactly once through `reply`, at once or after the hash. The password
  // in `request` is wiped.
  void authenticate(protocol::Authenticate request, Clock now, Reply reply);

  // The runner the auth role uses: work on `pool`, completion posted back to `io`.
  static HashRunner pool_runner(gs::WorkerPool& pool, asio::io_context& io, std::shared_ptr<bool> alive);

  std::uint32_t in_flight() const { return in_flight_; }
  const LoginStats& stats() const { return stats_; }

 private:
  void finish(const protocol::Authenticate& request, const std::string& name, bool password_ok,
              const store::account& account, std::string password, Clock now, const Reply& reply);
  void answer(const protocol::Authenticate& request, const char* reason, const Reply& reply);

  store::account_store& accounts_;
  const store::password_hasher& hasher_;
  store::login_throttle& throttle_;
  const crypto::token_signer& signer_;
  WorldDirectory& worlds_;
  Settings settings_;
  HashRunner runner_;
  std::uint32_t in_flight_ = 0;
  LoginStats stats_;
};

}  // namespace gs::roles
