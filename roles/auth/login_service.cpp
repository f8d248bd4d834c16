#include "auth/login_service.hpp"

#include "crypto/secret.hpp"
#include "store/account_rules.hpp"

namespace gs::roles {

namespace reason = protocol::reason;

LoginService::LoginService(store::account_store& accounts, const store::password_hasher& hasher,
                           store::login_throttle& throttle, const crypto::token_signer& signer, WorldDirectory& worlds,
                           Settings settings, HashRunner runner)
    : accounts_(accounts),
      hasher_(hasher),
      throttle_(throttle),
      signer_(signer),
      worlds_(worlds),
      settings_(settings),
      runner_(std::move(runner)) {}

LoginService::HashRunner LoginService::pool_runner(gs::WorkerPool& pool, asio::io_context& io,
                                                  std::shared_ptr<bool> alive) {
  return [&pool, &io, alive = std::move(alive)](std::function<std::string()> work,
                                                std::function<void(std::string, Clock)> done) {
    pool.submit(std::move(work), io.get_executor(), [alive, done = std::move(done)](std::string result) {
      if (!*alive) return;
      done(std::move(result), {std::chrono::steady_clock::now(),
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
  if (r == reason::bad_credentials) ++stats_.bad_credentials;
  else if (r == reason::throttled) ++stats_.throttled;
  else if (r == reason::disabled) ++stats_.disabled;
  else if (r == reason::no_world) ++stats_.no_world;
  else if (r == reason::busy) ++stats_.busy;
  else if (r == reason::unavailable) ++stats_.unavailable;
  else ++stats_.internal;
  reply(std::move(result));
}

void LoginService::authenticate(protocol::Authenticate request, Clock now, Reply reply) {
  std::string password = std::move(request.password);
  crypto::wipe(request.password);
  auto name = store::normalize_account_name(request.user);
  // Name rules are public, so refusing a malformed name at once reveals nothing.
  if (!name || store::check_password(password)) {
    crypto::wipe(password);
    throttle_.record_failure(name ? *name : request.user, request.client_address, now.steady);
    return answer(request, reason::bad_credentials, reply);
  }
  if (throttle_.check(*name, request.client_address, now.steady) != store::login_throttle::verdict::allowed) {
    crypto::wipe(password);
    return answer(request, reason::throttled, reply);
  }
  if (in_flight_ >= settings_.max_in_flight) {
    crypto::wipe(password);
    return answer(request, reason::busy, reply);
  }
  auto lookup = accounts_.find(*name);
  if (lookup.status != store::store_status::ok && lookup.status != store::store_status::not_found) {
    crypto::wipe(password);
    // A busy or unreachable database passes; the client may try again shortly.
    if (lookup.status == store::store_status::busy) return answer(request, reason::busy, reply);
    if (lookup.status == store::store_status::unavailable) return answer(request, reason::unavailable, reply);
    return answer(request, reason::internal, reply);
  }
  // An unknown account is checked against a dummy hash: the same work as a wrong
  // password, so names cannot be probed by timing.
  auto account = lookup.found.value_or(store::account{});
  bool known = lookup.found.has_value();
  ++in_flight_;
  auto shared_password = std::make_shared<std::string>(std::move(password));
  runner_(
      [this, known, hash = account.password_hash, shared_password]() -> std::string {
        return hasher_.verify(known ? &hash : nullptr, *shared_password) ? "ok" : "";
      },
      [this, request = std::move(request), name = *name, account, shared_password, reply = std::move(reply)](
          std::string verdict, Clock done_at) mutable {
        --in_flight_;
        finish(request, name, verdict == "ok", account, std::move(*shared_password), done_at, reply);
        crypto::wipe(*shared_password);
      });
}

void LoginService::finish(const protocol::Authenticate& request, const std::string& name, bool password_ok,
                          const store::account& account, std::string password, Clock now, const Reply& reply) {
  if (!password_ok) {
    crypto::wipe(password);
    throttle_.record_failure(name, request.client_address, now.steady);
    return answer(request, reason::bad_credentials, reply);
  }
  // Only the owner of the password learns that the account is disabled.
  if (account.disabled) {
    crypto::wipe(password);
    return answer(request, reason::disabled, reply);
  }
  throttle_.record_success(name);
  auto world = worlds_.pick(request.world, now.steady);
  if (!world) {
    crypto::wipe(password);
    return answer(request, reason::no_world, reply);
  }
  auto token = signer_.issue(name, world->id, settings_.token_ttl, now.wall);
  accounts_.record_login(name, now.wall);

  if (hasher_.needs_rehash(account.password_hash)) {
    // New hash parameters: re-hash now that we hold the right password.
    auto shared_password = std::make_shared<std::string>(std::move(password));
    runner_(
        [this, shared_password]() -> std::string {
          auto hash = hasher_.hash(*shared_password);
          crypto::wipe(*shared_password);
          return hash.value_or("");
        },
        [this, name, old = account.password_hash](std::string fresh, Clock) {
          if (!fresh.empty() && accounts_.replace_password_hash(name, old, fresh) == store::store_status::ok)
            ++stats_.rehashed;
        });
  } else {
    crypto::wipe(password);
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

}  // namespace gs::roles
