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
      case json::parse_event_t::object_end:
        if (!seen.empty()) seen.pop_back();
        break;
      case json::parse_event_t::key:
        if (!seen.empty() && !seen.back().insert(parsed.get<std::string>()).second) duplicate = true;
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
struct StringMember {
  bool ok = true;
  std::optional<std::string> value;
};

StringMember get_string(const json& obj, const char* name, std::size_t max_len) {
  auto it = obj.find(name);
  if (it == obj.end()) return {};
  if (!it->is_string()) return {false, std::nullopt};
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_len) return {false, std::nullopt};
  return {true, s};
}

struct DateMember {
  bool ok = true;
  std::optional<TokenTime> value;
};

DateMember get_date(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return {};
  if (!it->is_number()) return {false, std::nullopt};
  double d = it->get<double>();
  if (!std::isfinite(d) || d < 0 || d > max_numeric_date) return {false, std::nullopt};
  if (it->is_number_integer()) {
    return {true, TokenTime(std::chrono::seconds(it->get<std::int64_t>()))};
  }
  return {true, TokenTime(std::chrono::seconds(static_cast<std::int64_t>(std::floor(d))))};
}

// The header's checks, in order, then the signature; the key id on success.
Result<std::string, TokenError> check_header(const JwsParts& parts, const TokenKeySet& keys) {
  auto header = parse_object(parts.header);
  if (!header) return fail(TokenError::bad_json);
  auto alg = get_string(*header, "alg", 32);
  auto typ = get_string(*header, "typ", 32);
  auto kid = get_string(*header, "kid", max_string_claim);
  if (!alg.ok || !alg.value || !typ.ok || !kid.ok || header->contains("crit"))
    return fail(TokenError::bad_header);
  if (iequals(*alg.value, "none")) return fail(TokenError::alg_none);
  if (*alg.value != "EdDSA") return fail(TokenError::alg_not_allowed);
  if (!typ.value || !iequals(*typ.value, "JWT")) return fail(TokenError::bad_typ);
  if (!kid.value) return fail(TokenError::missing_kid);
  auto key = keys.find(*kid.value);
  if (key == keys.end()) return fail(TokenError::unknown_kid);
  if (!jws_signature_valid(parts, key->second)) return fail(TokenError::bad_signature);
  return std::move(*kid.value);
}

// The payload's registered claims, read and type-checked; nothing compared yet but aud.
struct PayloadClaims {
  StringMember iss, sub, jti;
  DateMember exp, nbf, iat;
  bool aud_matches = false;
};

// aud: a string, or an array of strings (RFC 7519 section 4.1.3); whether it names
// `audience`, or bad_claims for any other shape.
Result<bool, TokenError> audience_matches(const json& p, const std::string& audience) {
  auto aud_it = p.find("aud");
  if (aud_it == p.end()) return fail(TokenError::bad_claims);
  if (aud_it->is_string()) return aud_it->get_ref<const std::string&>() == audience;
  if (!aud_it->is_array() || aud_it->empty()) return fail(TokenError::bad_claims);
  bool matches = false;
  for (const auto& a : *aud_it) {
    if (!a.is_string()) return fail(TokenError::bad_claims);
    if (a.get_ref<const std::string&>() == audience) matches = true;
  }
  return matches;
}

Result<PayloadClaims, TokenError> read_payload(const JwsParts& parts, const std::string& audience) {
  auto payload = parse_object(parts.payload);
  if (!payload) return fail(TokenError::bad_json);
  const json& p = *payload;

  PayloadClaims c;
  c.iss = get_string(p, "iss", max_string_claim);
  c.sub = get_string(p, "sub", max_string_claim);
  c.jti = get_string(p, "jti", max_jti);
  c.exp = get_date(p, "exp");
  c.nbf = get_date(p, "nbf");
  c.iat = get_date(p, "iat");
  if (!c.iss.ok || !c.sub.ok || !c.sub.value || c.sub.value->empty() || !c.jti.ok || !c.jti.value ||
      c.jti.value->empty() || !c.exp.ok || !c.exp.value || !c.nbf.ok || !c.iat.ok)
    return fail(TokenError::bad_claims);
  auto aud = audience_matches(p, audience);
  if (!aud) return fail(aud.error());
  c.aud_matches = *aud;
  return c;
}

// exp, nbf, iat, aud, iss and lifetime, in that order; nullopt when all pass.
std::optional<TokenError> check_claims(const PayloadClaims& c, const TokenVerifierConfig& config,
                                       TokenTime now) {
  if (now > *c.exp.value + config.leeway) return TokenError::expired;
  if (c.nbf.value && now < *c.nbf.value - config.leeway) return TokenError::not_yet_valid;
  if (c.iat.value && now < *c.iat.value - config.leeway) return TokenError::issued_in_future;
  if (!c.aud_matches) return TokenError::wrong_audience;
  if (!config.issuers.empty() && std::find(config.issuers.begin(), config.issuers.end(),
                                           c.iss.value.value_or("")) == config.issuers.end())
    return TokenError::wrong_issuer;
  if (*c.exp.value > now + config.max_lifetime) return TokenError::lifetime_too_long;
  return std::nullopt;
}

}  // namespace

TokenVerifier::TokenVerifier(TokenVerifierConfig config, TokenKeySet keys)
    : config_(std::move(config)), keys_(std::move(keys)), used_(config_.jti_capacity) {
  if (config_.audience.empty()) throw std::invalid_argument("a token verifier needs its own id as audience");
  if (keys_.empty()) throw std::invalid_argument("a token verifier needs at least one key");
}

TokenKeySet read_token_key_set(const std::vector<std::filesystem::path>& files) {
  TokenKeySet keys;
  for (const auto& file : files) {
    auto key = read_public_key_file(file);
    keys.emplace(default_kid(key), key);
  }
  return keys;
}

void TokenVerifier::set_keys(TokenKeySet keys) {
  if (keys.empty()) throw std::invalid_argument("a token verifier needs at least one key");
  keys_ = std::move(keys);
}

Result<TokenClaims, TokenError> TokenVerifier::verify(std::string_view token, TokenTime now, JtiUse use) {
  if (token.size() > config_.max_token_bytes) return fail(TokenError::oversized);

  auto parts = jws_split(token);
  if (!parts) {
    return fail(parts.error() == JwsError::wrong_part_count ? TokenError::wrong_part_count
                                                            : TokenError::bad_base64url);
  }
  auto kid = check_header(*parts, keys_);
  if (!kid) return fail(kid.error());
  auto c = read_payload(*parts, config_.audience);
  if (!c) return fail(c.error());
  if (auto refused = check_claims(*c, config_, now)) return fail(*refused);

  const std::string& jti = *c->jti.value;
  const TokenTime exp = *c->exp.value;
  if (use == JtiUse::consume) {
    switch (used_.record(jti, exp + config_.leeway, now)) {
      case JtiCache::Outcome::recorded: break;
      case JtiCache::Outcome::reused: return fail(TokenError::jti_reused);
      case JtiCache::Outcome::full: return fail(TokenError::jti_cache_full);
    }
  } else if (used_.contains(jti)) {
    return fail(TokenError::jti_reused);
  }

  TokenClaims claims;
  claims.kid = std::move(*kid);
  claims.iss = c->iss.value.value_or("");
  claims.sub = std::move(*c->sub.value);
  claims.aud = config_.audience;
  claims.jti = std::move(*c->jti.value);
  claims.iat = c->iat.value;
  claims.nbf = c->nbf.value;
  claims.exp = exp;
  return claims;
}

}  // namespace gs::crypto
