#include "crypto/token.hpp"

namespace gs::crypto {

std::string_view to_string(token_error e) {
    switch (e) {
        case token_error::oversized: return "oversized";
        case token_error::wrong_part_count: return "wrong_part_count";
        case token_error::bad_base64url: return "bad_base64url";
        case token_error::bad_json: return "bad_json";
        case token_error::bad_header: return "bad_header";
        case token_error::alg_none: return "alg_none";
        case token_error::alg_not_allowed: return "alg_not_allowed";
        case token_error::bad_typ: return "bad_typ";
        case token_error::missing_kid: return "missing_kid";
        case token_error::unknown_kid: return "unknown_kid";
        case token_error::bad_signature: return "bad_signature";
        case token_error::bad_claims: return "bad_claims";
        case token_error::expired: return "expired";
        case token_error::not_yet_valid: return "not_yet_valid";
        case token_error::issued_in_future: return "issued_in_future";
        case token_error::wrong_audience: return "wrong_audience";
        case token_error::wrong_issuer: return "wrong_issuer";
        case token_error::lifetime_too_long: return "lifetime_too_long";
        case token_error::jti_reused: return "jti_reused";
        case token_error::jti_cache_full: return "jti_cache_full";
    }
    return "unknown";
}

}  // namespace gs::crypto
