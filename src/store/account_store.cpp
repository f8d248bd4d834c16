#include "store/account_store.hpp"

#include <fmt/format.h>

#include "store/account_rules.hpp"

namespace gs::store {

std::string_view to_string(store_status s) {
    switch (s) {
        case store_status::ok: return "ok";
        case store_status::not_found: return "not_found";
        case store_status::already_exists: return "already_exists";
        case store_status::invalid_name: return "invalid_name";
        case store_status::busy: return "busy";
        case store_status::unavailable: return "unavailable";
        case store_status::database_error: return "database_error";
    }
    return "unknown";
}

store_status account_store::fail(store_status s, std::string message) {
    last_error_ = std::move(message);
    return s;
}

std::optional<std::string> account_store::normalise(std::string_view name) {
    auto n = normalize_account_name(name);
    if (!n) {
        last_error_ = describe(n.error());
        return std::nullopt;
    }
    return std::move(n.value());
}

store_status account_store::add(std::string_view name, std::string_view password_hash, unix_time now) {
    auto n = normalise(name);
    if (!n) return store_status::invalid_name;
    return insert({*n}, password_hash, now);
}

store_status account_store::add_numbered(std::string_view prefix, std::size_t count,
                                         std::string_view password_hash, unix_time now) {
    if (count == 0) return fail(store_status::invalid_name, "the count must be at least 1");
    std::vector<std::string> names;
    names.reserve(count);
    // Every name is checked before anything is written, so a bad prefix writes nothing.
    for (std::size_t i = 1; i <= count; ++i) {
        auto n = normalise(fmt::format("{}{}", prefix, i));
        if (!n) return store_status::invalid_name;
        names.push_back(std::move(*n));
    }
    return insert(names, password_hash, now);
}

store_status account_store::set_password_hash(std::string_view name, std::string_view password_hash) {
    auto n = normalise(name);
    if (!n) return store_status::invalid_name;
    return update_hash(*n, password_hash);
}

store_status account_store::replace_password_hash(std::string_view name, std::string_view expected_old,
                                                  std::string_view new_hash) {
    auto n = normalise(name);
    if (!n) return store_status::invalid_name;
    return swap_hash(*n, expected_old, new_hash);
}

store_status account_store::set_disabled(std::string_view name, bool disabled) {
    auto n = normalise(name);
    if (!n) return store_status::invalid_name;
    return update_disabled(*n, disabled);
}

store_status account_store::record_login(std::string_view name, unix_time now) {
    auto n = normalise(name);
    if (!n) return store_status::invalid_name;
    return update_last_login(*n, now);
}

account_store::lookup account_store::find(std::string_view name) {
    auto n = normalise(name);
    if (!n) return {store_status::invalid_name, std::nullopt};
    return select(*n);
}

}  // namespace gs::store
