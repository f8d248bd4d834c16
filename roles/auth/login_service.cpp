#include "roles/auth/login_service.hpp"

#include "crypto/secret.hpp"
#include "store/account_rules.hpp"

namespace gs::roles {

namespace reason = protocol::reason;

// One login on its way through the database and the hash; shared by the jobs.
struct LoginService::Attempt {
  protocol::Authenticate request;  // its password already moved out
  std::string name;                // normalised
  std::string group;               // the client's address group (its throttling key)
  std::string gateway;             // the link it came on
  std::string password;            // wiped when the last job holding the attempt is done
  store::AccountStore::Lookup lookup;
  bool password_ok = false;
  Reply reply;

  ~Attempt() { crypto::wipe(password); }
};

LoginService::LoginService(store::AccountStore& accounts, const store::PasswordHasher& hasher,
                           store::LoginThrottle& throttle, const crypto::TokenSigner& signer,
                           WorldDirectory& worlds, Settings settings, Runner database, Runner hashing)
    : accounts_(accounts),
      hasher_(hasher),
      throttle_(throttle),
      signer_(signer),
      worlds_(worlds),
      settings_(settings),
      database_(std::move(database)),
      hashing_(std::move(hashing)),
      slots_(
          {settings.max_in_flight, settings.max_in_flight_per_address, settings.max_in_flight_per_gateway}) {}

LoginService::Runner LoginService::pool_runner(gs::WorkerPool& pool, asio::io_context& io,
                                               std::shared_ptr<bool> alive) {
  return [&pool, &io, alive = std::move(alive)](std::function<void()> work, std::function<void(Clock)> done) {
    pool.submit(std::move(work), io.get_executor(), [alive, done = std::move(done)] {
      if (!*alive) return;
      done({std::chrono::steady_clock::now(),
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())});
    });
  };
}

void LoginService::answer(const protocol::Authenticate& request, const char* why, const Reply& reply) {
  protocol::AuthResult result;
  result.request_id = request.request_id;
  result.player_id = request.player_id;
  result.reason = why;
  std::string_view r = why;
  if (r == reason::bad_credentials)
    ++stats_.bad_credentials;
  else if (r == reason::throttled)
    ++stats_.throttled;
  else if (r == reason::disabled)
    ++stats_.disabled;
  else if (r == reason::no_world)
    ++stats_.no_world;
  else if (r == reason::busy)
    ++stats_.busy;
  else if (r == reason::unavailable)
    ++stats_.unavailable;
  else
    ++stats_.internal;
  reply(std::move(result));
}

std::string LoginService::group_of(const std::string& client_address, const std::string& gateway) {
  if (auto group = store::address_group(client_address, settings_.prefixes)) return *std::move(group);
  // Not an address: every such login through this link shares one key, so it is
  // throttled with the others and never escapes throttling.
  ++stats_.unparsed_address;
  return "link:" + gateway;
}

void LoginService::release(const Attempt& attempt) { slots_.give_back(attempt.group, attempt.gateway); }

void LoginService::authenticate(protocol::Authenticate request, const std::string& gateway, Clock now,
                                Reply reply) {
  std::string password = std::move(request.password);
  crypto::wipe(request.password);
  auto group = group_of(request.client_address, gateway);
  auto name = store::normalize_account_name(request.user);
  const std::string& account = name ? *name : request.user;
  // Checked first, malformed names too: a throttled key records no more failures.
  if (throttle_.check(account, group, now.steady) != store::LoginThrottle::Verdict::allowed) {
    crypto::wipe(password);
    return answer(request, reason::throttled, reply);
  }
  // Name rules are public, so refusing a malformed name at once reveals nothing.
  if (!name || store::check_password(password)) {
    crypto::wipe(password);
    throttle_.record_failure(account, group, now.steady);
    return answer(request, reason::bad_credentials, reply);
  }
  if (!slots_.try_take(group, gateway)) {
    crypto::wipe(password);
    return answer(request, reason::busy, reply);
  }
  auto attempt = std::make_shared<Attempt>();
  attempt->name = *name;
  attempt->group = std::move(group);
  attempt->gateway = gateway;
  attempt->password = std::move(password);
  attempt->request = std::move(request);
  attempt->reply = std::move(reply);
  auto& accounts = accounts_;
  database_([&accounts, attempt] { attempt->lookup = accounts.find(attempt->name); },
            [this, attempt](Clock) { check_password(attempt); });
}

void LoginService::check_password(std::shared_ptr<Attempt> attempt) {
  const auto status = attempt->lookup.status;
  if (status != store::StoreStatus::ok && status != store::StoreStatus::not_found) {
    release(*attempt);
    // A busy or unreachable database passes; the client may try again shortly.
    if (status == store::StoreStatus::busy) return answer(attempt->request, reason::busy, attempt->reply);
    if (status == store::StoreStatus::unavailable)
      return answer(attempt->request, reason::unavailable, attempt->reply);
    return answer(attempt->request, reason::internal, attempt->reply);
  }
  // An unknown account is checked against a dummy hash: the same work as a wrong
  // password, so names cannot be probed by timing. The job holds its own copy of the
  // hasher, so a role torn down mid-hash leaves it nothing dangling.
  hashing_(
      [hasher = hasher_, attempt] {
        const auto& found = attempt->lookup.found;
        attempt->password_ok = hasher.verify(found ? &found->password_hash : nullptr, attempt->password);
      },
      [this, attempt](Clock now) {
        release(*attempt);
        finish(*attempt, now);
      });
}

void LoginService::finish(Attempt& attempt, Clock now) {
  const auto& request = attempt.request;
  const auto& reply = attempt.reply;
  if (!attempt.password_ok) {
    throttle_.record_failure(attempt.name, attempt.group, now.steady);
    return answer(request, reason::bad_credentials, reply);
  }
  const store::Account& account = *attempt.lookup.found;
  // Only the owner of the password learns that the account is disabled.
  if (account.disabled) return answer(request, reason::disabled, reply);
  throttle_.record_success(attempt.name, attempt.group, now.steady);
  auto world = place(attempt.name, request.world, now.steady);
  if (!world) return answer(request, reason::no_world, reply);
  auto token = signer_.issue(attempt.name, world->id, settings_.token_ttl, now.wall);
  auto& accounts = accounts_;
  database_([&accounts, name = attempt.name, at = now.wall] { accounts.record_login(name, at); },
            [](Clock) {});

  if (hasher_.needs_rehash(account.password_hash)) {
    // New hash parameters: re-hash now that we hold the right password.
    rehash(attempt.name, account.password_hash, std::make_shared<std::string>(std::move(attempt.password)));
  }

  protocol::AuthResult result;
  result.request_id = request.request_id;
  result.player_id = request.player_id;
  result.ok = true;
  result.token = std::move(token.token);
  result.world_id = world->id;
  result.world_address = world->address;
  ++stats_.ok;
  reply(std::move(result));
}

std::optional<WorldEntry> LoginService::place(const std::string& account, const std::string& requested,
                                              std::chrono::steady_clock::time_point now) {
  const Seat* seat = seats_ ? seats_->find(account) : nullptr;
  if (seat && !worlds_.is_live(seat->world, now)) seat = nullptr;  // its world went away
  if (seat && (requested.empty() || requested == seat->world)) return worlds_.take(seat->world, now);
  auto world = worlds_.pick(requested, now);
  // Given up before the token for the other world exists: the old world hears it first.
  if (world && seat && world->id != seat->world && unseat_) unseat_(Eviction{account, *seat});
  return world;
}

void LoginService::rehash(const std::string& name, const std::string& old_hash,
                          std::shared_ptr<std::string> password) {
  auto fresh = std::make_shared<std::string>();
  hashing_(
      [hasher = hasher_, password, fresh] {
        *fresh = hasher.hash(*password).value_or("");
        crypto::wipe(*password);
      },
      [this, name, old_hash, fresh](Clock) {
        if (fresh->empty()) return;
        auto swapped = std::make_shared<store::StoreStatus>(store::StoreStatus::database_error);
        auto& accounts = accounts_;
        database_([&accounts, name, old_hash, fresh,
                   swapped] { *swapped = accounts.replace_password_hash(name, old_hash, *fresh); },
                  [this, swapped](Clock) {
                    if (*swapped == store::StoreStatus::ok) ++stats_.rehashed;
                  });
      });
}

}  // namespace gs::roles
