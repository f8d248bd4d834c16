#include "crypto/token_verifier.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/jws.hpp"
#include "crypto/token_signer.hpp"

namespace gs::crypto {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_string_claim = 256;
constexpr std::size_t max_jti = 64;
// Largest NumericDate accepted: 2^53, beyond which doubles lose whole seconds.
constexpr double max_numeric_date = 9007199254740992.0;

// Parses a JSON object; nullopt for invalid JSON, a non-object, or a repeated member name
// at any depth (RFC 7515 section 4: duplicate names must be rejected or resolved; two
// "alg" members read differently by two parsers is how confusions start).
std::optional<json> parse_object(const std::vector<std::uint8_t>& bytes) {
    std::vector<std::set<std::string>> seen;
    bool duplicate = false;
    auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start: seen.emplace_back(); break;
            case json::parse_event_t::object_end: if (!seen.empty()) seen.pop_back(); break;
            case json::parse_event_t::key:
                if (!seen.empty() && !seen.back().insert(parsed.get<std::string>()).second)
                    duplicate = true;
                break;
            default: break;
        }
        return true;
    };
    json j = json::parse(bytes.begin(), bytes.end(), callback, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || duplicate) return std::nullopt;
    return j;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// A string member: absent → nullopt with ok; wrong type or too long → !ok.
struct string_member {
    bool ok = true;
    std::optional<std::string> value;
};

string_member get_string(const json& obj, const char* name, std::size_t max_len) {
    auto it = obj.find(name);
    if (it == obj.end()) return {};
    if (!it->is_string()) return {false, std::nullopt};
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > max_len) return {false, std::nullopt};
    return {true, s};
}

struct date_member {
    bool ok = true;
    std::optional<token_time> value;
};

date_member get_date(const json& obj, const char* name) {
    auto it = obj.find(name);
    if (it == obj.end()) return {};
    if (!it->is_number()) return {false, std::nullopt};
    double d = it->get<double>();
    if (!std::isfinite(d) || d < 0 || d > max_numeric_date) return {false, std::nullopt};
    if (it->is_number_integer()) {
        return {true, token_time(std::chrono::seconds(it->get<std::int64_t>()))};
    }
    return {true, token_time(std::chrono::seconds(static_cast<std::int64_t>(std::floor(d))))};
}

}  // namespace

token_verifier::token_verifier(token_verifier_config config, token_key_set keys)
    : config_(std::move(config)), keys_(std::move(keys)), used_(config_.jti_capacity) {
    if (config_.audience.empty())
        throw std::invalid_argument("a token verifier needs its own id as audience");
    if (keys_.empty()) throw std::invalid_argument("a token verifier needs at least one key");
}

token_key_set read_token_key_set(const std::vector<std::filesystem::path>& files) {
    token_key_set keys;
    for (const auto& file : files) {
        auto key = read_public_key_file(file);
        keys.emplace(default_kid(key), key);
    }
    return keys;
}

void token_verifier::set_keys(token_key_set keys) {
    if (keys.empty()) throw std::invalid_argument("a token verifier needs at least one key");
    keys_ = std::move(keys);
}

result<token_claims, token_error> token_verifier::verify(std::string_view token, token_time now,
                                                         jti_use use) {
    if (token.size() > config_.max_token_bytes) return fail(token_error::oversized);

    auto parts = jws_split(token);
    if (!parts) {
        return fail(parts.error() == jws_error::wrong_part_count ? token_error::wrong_part_count
                                                                 : token_error::bad_base64url);
    }

    auto header = parse_object(parts->header);
    if (!header) return fail(token_error::bad_json);
    auto alg = get_string(*header, "alg", 32);
    auto typ = get_string(*header, "typ", 32);
    auto kid = get_string(*header, "kid", max_string_claim);
    if (!alg.ok || !alg.value || !typ.ok || !kid.ok || header->contains("crit"))
        return fail(token_error::bad_header);
    if (iequals(*alg.value, "none")) return fail(token_error::alg_none);
    if (*alg.value != "EdDSA") return fail(token_error::alg_not_allowed);
    if (!typ.value || !iequals(*typ.value, "JWT")) return fail(token_error::bad_typ);
    if (!kid.value) return fail(token_error::missing_kid);
    auto key = keys_.find(*kid.value);
    if (key == keys_.end()) return fail(token_error::unknown_kid);
    if (!jws_signature_valid(*parts, key->second)) return fail(token_error::bad_signature);

    auto payload = parse_object(parts->payload);
    if (!payload) return fail(token_error::bad_json);
    const json& p = *payload;

    auto iss = get_string(p, "iss", max_string_claim);
    auto sub = get_string(p, "sub", max_string_claim);
    auto jti = get_string(p, "jti", max_jti);
    auto exp = get_date(p, "exp");
    auto nbf = get_date(p, "nbf");
    auto iat = get_date(p, "iat");
    if (!iss.ok || !sub.ok || !sub.value || sub.value->empty() || !jti.ok || !jti.value ||
        jti.value->empty() || !exp.ok || !exp.value || !nbf.ok || !iat.ok)
        return fail(token_error::bad_claims);

    // aud: a string, or an array of strings (RFC 7519 section 4.1.3).
    auto aud_it = p.find("aud");
    if (aud_it == p.end()) return fail(token_error::bad_claims);
    bool aud_matches = false;
    if (aud_it->is_string()) {
        aud_matches = aud_it->get_ref<const std::string&>() == config_.audience;
    } else if (aud_it->is_array() && !aud_it->empty()) {
        for (const auto& a : *aud_it) {
            if (!a.is_string()) return fail(token_error::bad_claims);
            if (a.get_ref<const std::string&>() == config_.audience) aud_matches = true;
        }
    } else {
        return fail(token_error::bad_claims);
    }

    if (now > *exp.value + config_.leeway) return fail(token_error::expired);
    if (nbf.value && now < *nbf.value - config_.leeway) return fail(token_error::not_yet_valid);
    if (iat.value && now < *iat.value - config_.leeway) return fail(token_error::issued_in_future);
    if (!aud_matches) return fail(token_error::wrong_audience);
    if (!config_.issuers.empty() &&
        std::find(config_.issuers.begin(), config_.issuers.end(), iss.value.value_or("")) == config_.issuers.end())
        return fail(token_error::wrong_issuer);
    if (*exp.value > now + config_.max_lifetime) return fail(token_error::lifetime_too_long);

    if (use == jti_use::consume) {
        switch (used_.record(*jti.value, *exp.value + config_.leeway, now)) {
            case jti_cache::outcome::recorded: break;
            case jti_cache::outcome::reused: return fail(token_error::jti_reused);
            case jti_cache::outcome::full: return fail(token_error::jti_cache_full);
        }
    } else if (used_.contains(*jti.value)) {
        return fail(token_error::jti_reused);
    }

    token_claims claims;
    claims.kid = std::move(*kid.value);
    claims.iss = iss.value.value_or("");
    claims.sub = std::move(*sub.value);
    claims.aud = config_.audience;
    claims.jti = std::move(*jti.value);
    claims.iat = iat.value;
    claims.nbf = nbf.value;
    claims.exp = *exp.value;
    return claims;
}

}  // namespace gs::crypto
