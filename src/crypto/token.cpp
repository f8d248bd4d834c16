#include "crypto/token.hpp"

namespace gs::crypto {

std::string_view to_string(TokenError e) {
  switch (e) {
    case TokenError::oversized: return "oversized";
    case TokenError::wrong_part_count: return "wrong_part_count";
    case TokenError::bad_base64url: return "bad_base64url";
    case TokenError::bad_json: return "bad_json";
    case TokenError::bad_header: return "bad_header";
    case TokenError::alg_none: return "alg_none";
    case TokenError::alg_not_allowed: return "alg_not_allowed";
    case TokenError::bad_typ: return "bad_typ";
    case TokenError::missing_kid: return "missing_kid";
    case TokenError::unknown_kid: return "unknown_kid";
    case TokenError::bad_signature: return "bad_signature";
    case TokenError::bad_claims: return "bad_claims";
    case TokenError::expired: return "expired";
    case TokenError::not_yet_valid: return "not_yet_valid";
    case TokenError::issued_in_future: return "issued_in_future";
    case TokenError::wrong_audience: return "wrong_audience";
    case TokenError::wrong_issuer: return "wrong_issuer";
    case TokenError::lifetime_too_long: return "lifetime_too_long";
    case TokenError::jti_reused: return "jti_reused";
    case TokenError::jti_cache_full: return "jti_cache_full";
  }
  return "unknown";
}

}  // namespace gs::crypto
