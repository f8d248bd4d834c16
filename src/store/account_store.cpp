#include "store/account_store.hpp"

#include <fmt/format.h>

#include "store/account_rules.hpp"

namespace gs::store {

std::string_view to_string(StoreStatus s) {
  switch (s) {
    case StoreStatus::ok: return "ok";
    case StoreStatus::not_found: return "not_found";
    case StoreStatus::already_exists: return "already_exists";
    case StoreStatus::invalid_name: return "invalid_name";
    case StoreStatus::busy: return "busy";
    case StoreStatus::unavailable: return "unavailable";
    case StoreStatus::database_error: return "database_error";
  }
  return "unknown";
}

StoreStatus AccountStore::fail(StoreStatus s, std::string message) {
  last_error_ = std::move(message);
  return s;
}

std::optional<std::string> AccountStore::normalise(std::string_view name) {
  auto n = normalize_account_name(name);
  if (!n) {
    last_error_ = describe(n.error());
    return std::nullopt;
  }
  return std::move(n.value());
}

StoreStatus AccountStore::add(std::string_view name, std::string_view password_hash, UnixTime now) {
  auto n = normalise(name);
  if (!n) return StoreStatus::invalid_name;
  return insert({*n}, password_hash, now);
}

StoreStatus AccountStore::add_numbered(std::string_view prefix, std::size_t count,
                                       std::string_view password_hash, UnixTime now) {
  if (count == 0) return fail(StoreStatus::invalid_name, "the count must be at least 1");
  std::vector<std::string> names;
  names.reserve(count);
  // Every name is checked before anything is written, so a bad prefix writes nothing.
  for (std::size_t i = 1; i <= count; ++i) {
    auto n = normalise(fmt::format("{}{}", prefix, i));
    if (!n) return StoreStatus::invalid_name;
    names.push_back(std::move(*n));
  }
  return insert(names, password_hash, now);
}

StoreStatus AccountStore::set_password_hash(std::string_view name, std::string_view password_hash) {
  auto n = normalise(name);
  if (!n) return StoreStatus::invalid_name;
  return update_hash(*n, password_hash);
}

StoreStatus AccountStore::replace_password_hash(std::string_view name, std::string_view expected_old,
                                                std::string_view new_hash) {
  auto n = normalise(name);
  if (!n) return StoreStatus::invalid_name;
  return swap_hash(*n, expected_old, new_hash);
}

StoreStatus AccountStore::set_disabled(std::string_view name, bool disabled) {
  auto n = normalise(name);
  if (!n) return StoreStatus::invalid_name;
  return update_disabled(*n, disabled);
}

StoreStatus AccountStore::record_login(std::string_view name, UnixTime now) {
  auto n = normalise(name);
  if (!n) return StoreStatus::invalid_name;
  return update_last_login(*n, now);
}

AccountStore::Lookup AccountStore::find(std::string_view name) {
  auto n = normalise(name);
  if (!n) return {StoreStatus::invalid_name, std::nullopt};
  return select(*n);
}

}  // namespace gs::store
