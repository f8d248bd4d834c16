#pragma once
// The auth role's answer to Authenticate: throttle, take a fair share of the login slots,
// look the account up and check the password off the event loop, pick a world, sign a
// token. The client's address is grouped by network prefix (store/address_group.hpp);
// docs/SECURITY.md, "Login throttling and fairness", gives the policy. No sockets here; the
// account database runs through one Runner (a thread of its own in the role: a store
// is one connection) and hashing through another (the worker pool), inline in tests;
// time is passed in. The loop never waits for the database or for a hash.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <asio/io_context.hpp>

#include "common/worker_pool.hpp"
#include "crypto/token_signer.hpp"
#include "protocol/messages.hpp"
#include "roles/auth/login_slots.hpp"
#include "roles/auth/seat_map.hpp"
#include "roles/auth/world_directory.hpp"
#include "store/account_store.hpp"
#include "store/address_group.hpp"
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
  // Logins whose client address was no IP address, counted under their gateway link.
  std::uint64_t unparsed_address = 0;
};

class LoginService {
 public:
  // Runs `work` off the event loop, then `done(clock at completion)` on it.
  using Runner = std::function<void(std::function<void()> work, std::function<void(Clock now)> done)>;
  using Reply = std::function<void(protocol::AuthResult)>;

  struct Settings {
    std::uint32_t max_in_flight = 4;  // logins being looked up or hashed
    std::chrono::seconds token_ttl{30};
    std::uint32_t max_in_flight_per_address = 1;  // of them, from one address group
    std::uint32_t max_in_flight_per_gateway = 0;  // of them, through one gateway link; 0 = no own limit
    store::AddressPrefixes prefixes{};            // how client addresses are grouped
  };

  LoginService(store::AccountStore& accounts, const store::PasswordHasher& hasher,
               store::LoginThrottle& throttle, const crypto::TokenSigner& signer, WorldDirectory& worlds,
               Settings settings, Runner database, Runner hashing);

  // Answers exactly once through `reply`, at once or after the lookup and the hash.
  // The password in `request` is wiped. `gateway` names the link the request came on
  // (the gateway's id): its share of the slots, and the throttling key of a client
  // address that does not parse.
  void authenticate(protocol::Authenticate request, const std::string& gateway, Clock now, Reply reply);

  // The runner the auth role uses: work on `pool`, completion posted back to `io`
  // unless `alive` has turned false.
  static Runner pool_runner(gs::WorkerPool& pool, asio::io_context& io, std::shared_ptr<bool> alive);

  // One seat per account: a login of a seated account that asks for no other world goes
  // back to its seat's world; one that goes to another world first has `unseat` tell the
  // seat's world to give the seat up (it kicks the player, "replaced"). Without seats
  // (tests, benchmarks) logins are placed by load alone.
  using Unseat = std::function<void(const Eviction&)>;
  void set_seats(const SeatMap& seats, Unseat unseat) {
    seats_ = &seats;
    unseat_ = std::move(unseat);
  }

  std::uint32_t in_flight() const { return slots_.in_flight(); }
  const LoginStats& stats() const { return stats_; }

 private:
  struct Attempt;
  void check_password(std::shared_ptr<Attempt> attempt);
  void finish(Attempt& attempt, Clock now);
  void rehash(const std::string& name, const std::string& old_hash, std::shared_ptr<std::string> password);
  void answer(const protocol::Authenticate& request, const char* reason, const Reply& reply);
  std::string group_of(const std::string& client_address, const std::string& gateway);
  void release(const Attempt& attempt);
  std::optional<WorldEntry> place(const std::string& account, const std::string& requested,
                                  std::chrono::steady_clock::time_point now);

  store::AccountStore& accounts_;
  const store::PasswordHasher& hasher_;
  store::LoginThrottle& throttle_;
  const crypto::TokenSigner& signer_;
  WorldDirectory& worlds_;
  Settings settings_;
  Runner database_;
  Runner hashing_;
  LoginSlots slots_;
  LoginStats stats_;
  const SeatMap* seats_ = nullptr;
  Unseat unseat_;
};

}  // namespace gs::roles
