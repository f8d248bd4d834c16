#include <doctest/doctest.h>

#include <sodium.h>

#include <cstdlib>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "crypto/base64.hpp"
#include "crypto/jws.hpp"
#include "crypto/token_signer.hpp"
#include "crypto/token_verifier.hpp"
#include "tests/crypto/temp_dir.hpp"

using namespace gs::crypto;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

// RFC 8037 appendix A.1, A.2 and A.4.
constexpr std::string_view rfc_d = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr std::string_view rfc_x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr std::string_view rfc_jws =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

const TokenTime t0{std::chrono::seconds(1'800'000'000)};

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Ed25519PrivateKey key_from(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  return Ed25519PrivateKey::from_seed(seed);
}

std::string sign(const json& header, const json& payload, const Ed25519PrivateKey& key) {
  std::string p = payload.dump();
  return jws_sign_compact(header.dump(), as_bytes(p), key);
}

std::string b64(std::string_view s) { return base64url_encode(s); }

// A verifier for world "world-1" trusting key k1 (seed 1) and k2 (seed 2).
struct fixture {
  TokenSigner signer{"auth-1", "k1", key_from(1)};
  TokenVerifier verifier{make_config(), make_keys()};

  static TokenVerifierConfig make_config() {
    TokenVerifierConfig c;
    c.audience = "world-1";
    c.issuers = {"auth-1"};
    c.leeway = 5s;
    c.max_lifetime = 300s;
    c.max_token_bytes = 2048;
    c.jti_capacity = 1000;
    return c;
  }
  static TokenKeySet make_keys() {
    return {{"k1", key_from(1).public_key()}, {"k2", key_from(2).public_key()}};
  }
  json good_header() const { return {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", "k1"}}; }
  json good_claims() const {
    return {{"iss", "auth-1"},
            {"sub", "alice"},
            {"aud", "world-1"},
            {"iat", t0.time_since_epoch().count()},
            {"exp", (t0 + 30s).time_since_epoch().count()},
            {"jti", "abcdefghijklmnopqrstuv"}};
  }
  TokenError reason(std::string_view token, TokenTime now = t0) {
    auto r = verifier.verify(token, now);
    REQUIRE_FALSE(r.ok());
    return r.error();
  }
};

}  // namespace

TEST_CASE("RFC 8037 A.4: the example JWS verifies with the A.2 public key") {
  std::array<std::uint8_t, 32> x{};
  REQUIRE(base64url_decode_exact(rfc_x, x));
  auto parts = jws_split(rfc_jws);
  REQUIRE(parts.ok());
  CHECK(std::string(parts->payload.begin(), parts->payload.end()) == "Example of Ed25519 signing");
  CHECK(jws_signature_valid(*parts, x));
  CHECK_FALSE(jws_signature_valid(*parts, key_from(9).public_key()));
}

TEST_CASE("RFC 8037 A.4: our signature over the same input equals the vector") {
  auto seed = base64url_decode(rfc_d);
  REQUIRE(seed);
  auto key = Ed25519PrivateKey::from_seed(*seed);
  CHECK(jws_sign_compact(R"({"alg":"EdDSA"})", as_bytes("Example of Ed25519 signing"), key) == rfc_jws);
}

TEST_CASE("RFC 8037 A.4 as a login token: refused, since it is no JWT") {
  std::array<std::uint8_t, 32> x{};
  REQUIRE(base64url_decode_exact(rfc_x, x));
  TokenVerifierConfig c;
  c.audience = "world-1";
  TokenVerifier v(c, {{"rfc", x}});
  auto r = v.verify(rfc_jws, t0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == TokenError::bad_typ);
}

TEST_CASE_FIXTURE(fixture, "issued tokens have the documented header and claims") {
  auto issued = signer.issue("alice", "world-1", 30s, t0);
  auto parts = jws_split(issued.token);
  REQUIRE(parts.ok());
  CHECK(std::string(parts->header.begin(), parts->header.end()) ==
        R"({"alg":"EdDSA","typ":"JWT","kid":"k1"})");
  auto claims = json::parse(parts->payload);
  CHECK(claims["iss"] == "auth-1");
  CHECK(claims["sub"] == "alice");
  CHECK(claims["aud"] == "world-1");
  CHECK(claims["iat"] == t0.time_since_epoch().count());
  CHECK(claims["exp"] == (t0 + 30s).time_since_epoch().count());
  CHECK(claims["jti"] == issued.jti);
  CHECK(issued.jti.size() == 22);
  std::array<std::uint8_t, 16> raw{};
  CHECK(base64url_decode_exact(issued.jti, raw));
  CHECK(issued.expires == t0 + 30s);
  CHECK(signer.issue("alice", "world-1", 30s, t0).jti != issued.jti);
}

TEST_CASE_FIXTURE(fixture, "a fresh token verifies once and yields its claims") {
  auto issued = signer.issue("alice", "world-1", 30s, t0);
  auto r = verifier.verify(issued.token, t0 + 1s);
  REQUIRE(r.ok());
  CHECK(r->sub == "alice");
  CHECK(r->aud == "world-1");
  CHECK(r->iss == "auth-1");
  CHECK(r->kid == "k1");
  CHECK(r->jti == issued.jti);
  CHECK(r->exp == t0 + 30s);
  CHECK(r->iat == t0);
  CHECK(verifier.remembered_ids() == 1);
}

TEST_CASE_FIXTURE(fixture, "kid picks the key: tokens of both rotated keys verify") {
  TokenSigner next("auth-1", "k2", key_from(2));
  CHECK(verifier.verify(signer.issue("a", "world-1", 30s, t0).token, t0).ok());
  CHECK(verifier.verify(next.issue("b", "world-1", 30s, t0).token, t0).ok());
}

TEST_CASE_FIXTURE(fixture, "inspect checks everything but does not use the token up") {
  auto t = signer.issue("alice", "world-1", 30s, t0).token;
  CHECK(verifier.verify(t, t0, TokenVerifier::JtiUse::inspect).ok());
  CHECK(verifier.verify(t, t0).ok());
  auto again = verifier.verify(t, t0, TokenVerifier::JtiUse::inspect);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error() == TokenError::jti_reused);
}

TEST_CASE_FIXTURE(fixture, "aud as an array that contains our id is accepted") {
  auto c = good_claims();
  c["aud"] = json::array({"world-2", "world-1"});
  CHECK(verifier.verify(sign(good_header(), c, key_from(1)), t0).ok());
}

TEST_CASE_FIXTURE(fixture, "numeric dates may be fractional") {
  auto c = good_claims();
  c["exp"] = static_cast<double>((t0 + 30s).time_since_epoch().count()) + 0.5;
  auto r = verifier.verify(sign(good_header(), c, key_from(1)), t0);
  REQUIRE(r.ok());
  CHECK(r->exp == t0 + 30s);
}

// ---- Every rejection, one test each --------------------------------------------------

TEST_CASE_FIXTURE(fixture, "rejects alg none") {
  auto h = good_header();
  h["alg"] = "none";
  CHECK(reason(b64(h.dump()) + "." + b64(good_claims().dump()) + ".") == TokenError::alg_none);
  h["alg"] = "NONE";
  CHECK(reason(b64(h.dump()) + "." + b64(good_claims().dump()) + ".") == TokenError::alg_none);
}

TEST_CASE_FIXTURE(fixture, "rejects HS256 signed with the public key as the HMAC secret") {
  auto h = good_header();
  h["alg"] = "HS256";
  std::string input = b64(h.dump()) + "." + b64(good_claims().dump());
  const auto pk = key_from(1).public_key();
  for (std::string secret : {std::string(pk.begin(), pk.end()), public_key_to_pem(pk)}) {
    std::array<std::uint8_t, crypto_auth_hmacsha256_BYTES> mac{};
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, as_bytes(secret).data(), secret.size());
    crypto_auth_hmacsha256_update(&st, as_bytes(input).data(), input.size());
    crypto_auth_hmacsha256_final(&st, mac.data());
    CHECK(reason(input + "." + base64url_encode(mac)) == TokenError::alg_not_allowed);
  }
}

TEST_CASE_FIXTURE(fixture, "rejects RS256") {
  auto h = good_header();
  h["alg"] = "RS256";
  std::vector<std::uint8_t> sig(256, 0x5a);
  CHECK(reason(b64(h.dump()) + "." + b64(good_claims().dump()) + "." + base64url_encode(sig)) ==
        TokenError::alg_not_allowed);
}

TEST_CASE_FIXTURE(fixture, "rejects a token signed by another key") {
  CHECK(reason(sign(good_header(), good_claims(), key_from(7))) == TokenError::bad_signature);
  // and a token whose payload was changed after signing
  auto t = signer.issue("alice", "world-1", 30s, t0).token;
  auto parts_end = t.rfind('.');
  auto c = good_claims();
  c["sub"] = "admin";
  std::string forged = t.substr(0, t.find('.') + 1) + b64(c.dump()) + t.substr(parts_end);
  CHECK(reason(forged) == TokenError::bad_signature);
}

TEST_CASE_FIXTURE(fixture, "rejects an expired token, within the leeway it still passes") {
  auto t = signer.issue("alice", "world-1", 30s, t0).token;
  CHECK(reason(t, t0 + 36s) == TokenError::expired);
  CHECK(verifier.verify(t, t0 + 35s).ok());
}

TEST_CASE_FIXTURE(fixture, "rejects a token not yet valid (nbf)") {
  auto c = good_claims();
  c["nbf"] = (t0 + 20s).time_since_epoch().count();
  auto t = sign(good_header(), c, key_from(1));
  CHECK(reason(t, t0) == TokenError::not_yet_valid);
  CHECK(verifier.verify(t, t0 + 15s).ok());
}

TEST_CASE_FIXTURE(fixture, "rejects a token issued in the future (iat)") {
  CHECK(reason(signer.issue("alice", "world-1", 30s, t0 + 60s).token, t0) == TokenError::issued_in_future);
}

TEST_CASE_FIXTURE(fixture, "rejects a token for another world") {
  CHECK(reason(signer.issue("alice", "world-2", 30s, t0).token) == TokenError::wrong_audience);
  auto c = good_claims();
  c["aud"] = json::array({"world-2"});
  CHECK(reason(sign(good_header(), c, key_from(1))) == TokenError::wrong_audience);
}

TEST_CASE_FIXTURE(fixture, "rejects a token from another issuer") {
  TokenSigner other("auth-9", "k1", key_from(1));
  CHECK(reason(other.issue("alice", "world-1", 30s, t0).token) == TokenError::wrong_issuer);
}

TEST_CASE_FIXTURE(fixture, "rejects a reused jti") {
  auto t = signer.issue("alice", "world-1", 30s, t0).token;
  CHECK(verifier.verify(t, t0).ok());
  CHECK(reason(t, t0 + 1s) == TokenError::jti_reused);
  // A different token that carries the same jti is a replay too.
  auto c = good_claims();
  CHECK(verifier.verify(sign(good_header(), c, key_from(1)), t0).ok());
  c["sub"] = "bob";
  CHECK(reason(sign(good_header(), c, key_from(1))) == TokenError::jti_reused);
}

TEST_CASE_FIXTURE(fixture, "rejects an unknown kid, and a missing one") {
  auto h = good_header();
  h["kid"] = "k9";
  CHECK(reason(sign(h, good_claims(), key_from(1))) == TokenError::unknown_kid);
  h.erase("kid");
  CHECK(reason(sign(h, good_claims(), key_from(1))) == TokenError::missing_kid);
}

TEST_CASE_FIXTURE(fixture, "rejects malformed base64url") {
  auto t = signer.issue("alice", "world-1", 30s, t0).token;
  CHECK(reason("e+J." + t.substr(t.find('.') + 1)) == TokenError::bad_base64url);
  std::string padded = t.substr(0, t.find('.')) + "=" + t.substr(t.find('.'));
  CHECK(reason(padded) == TokenError::bad_base64url);
  CHECK(reason(t + "!") == TokenError::bad_base64url);
  CHECK(reason(t.substr(0, t.size() - 1) + "_") != TokenError::bad_signature);  // non-canonical
}

TEST_CASE_FIXTURE(fixture, "rejects malformed JSON in the header or the signed payload") {
  CHECK(reason(b64("{\"alg\":\"EdDSA\",") + "." + b64(good_claims().dump()) + ".AA") == TokenError::bad_json);
  CHECK(reason(b64("[1,2]") + "." + b64(good_claims().dump()) + ".AA") == TokenError::bad_json);
  // A validly signed payload that is not JSON.
  std::string h = good_header().dump();
  CHECK(reason(jws_sign_compact(h, as_bytes("{\"sub\":"), key_from(1))) == TokenError::bad_json);
  // Duplicate member names are refused, not resolved.
  CHECK(reason(b64(R"({"alg":"EdDSA","typ":"JWT","kid":"k1","alg":"none"})") + "." +
               b64(good_claims().dump()) + ".AA") == TokenError::bad_json);
  std::string dup = R"({"sub":"alice","sub":"admin","aud":"world-1","exp":1800000030,"jti":"x"})";
  CHECK(reason(jws_sign_compact(h, as_bytes(dup), key_from(1))) == TokenError::bad_json);
}

TEST_CASE_FIXTURE(fixture, "rejects the wrong number of parts") {
  auto t = signer.issue("alice", "world-1", 30s, t0).token;
  CHECK(reason(t.substr(0, t.rfind('.'))) == TokenError::wrong_part_count);
  CHECK(reason(t + ".AA") == TokenError::wrong_part_count);
  CHECK(reason("a.b.c.d.e") == TokenError::wrong_part_count);
  CHECK(reason("") == TokenError::wrong_part_count);
}

TEST_CASE_FIXTURE(fixture, "rejects an oversized token before decoding it") {
  auto c = good_claims();
  c["pad"] = std::string(2000, 'x');
  CHECK(reason(sign(good_header(), c, key_from(1))) == TokenError::oversized);
  CHECK(reason(std::string(2049, '.')) == TokenError::oversized);
}

TEST_CASE_FIXTURE(fixture, "rejects a missing or foreign typ") {
  auto h = good_header();
  h["typ"] = "at+jwt";
  CHECK(reason(sign(h, good_claims(), key_from(1))) == TokenError::bad_typ);
  h.erase("typ");
  CHECK(reason(sign(h, good_claims(), key_from(1))) == TokenError::bad_typ);
}

TEST_CASE_FIXTURE(fixture, "rejects unknown critical header extensions and ill-typed members") {
  auto h = good_header();
  h["crit"] = json::array({"exp"});
  CHECK(reason(sign(h, good_claims(), key_from(1))) == TokenError::bad_header);
  h = good_header();
  h["alg"] = 5;
  CHECK(reason(sign(h, good_claims(), key_from(1))) == TokenError::bad_header);
}

TEST_CASE_FIXTURE(fixture, "rejects missing or ill-typed claims") {
  for (const char* name : {"sub", "aud", "exp", "jti"}) {
    auto c = good_claims();
    c.erase(name);
    CHECK_MESSAGE(reason(sign(good_header(), c, key_from(1))) == TokenError::bad_claims, name);
  }
  auto c = good_claims();
  c["exp"] = "soon";
  CHECK(reason(sign(good_header(), c, key_from(1))) == TokenError::bad_claims);
  c = good_claims();
  c["jti"] = std::string(65, 'j');
  CHECK(reason(sign(good_header(), c, key_from(1))) == TokenError::bad_claims);
  c = good_claims();
  c["aud"] = json::array({1});
  CHECK(reason(sign(good_header(), c, key_from(1))) == TokenError::bad_claims);
  c = good_claims();
  c["exp"] = -1;
  CHECK(reason(sign(good_header(), c, key_from(1))) == TokenError::bad_claims);
}

TEST_CASE_FIXTURE(fixture, "rejects a lifetime beyond the maximum") {
  CHECK(reason(signer.issue("alice", "world-1", 301s, t0).token) == TokenError::lifetime_too_long);
  CHECK(verifier.verify(signer.issue("alice", "world-1", 300s, t0).token, t0).ok());
}

TEST_CASE("when the jti cache is full of live ids, new tokens are refused until some expire") {
  TokenVerifierConfig c;
  c.audience = "world-1";
  c.jti_capacity = 3;
  c.leeway = 0s;
  TokenVerifier v(c, {{"k1", key_from(1).public_key()}});
  TokenSigner s("auth-1", "k1", key_from(1));
  for (int i = 0; i < 3; ++i) CHECK(v.verify(s.issue("a", "world-1", 30s, t0).token, t0).ok());
  auto late = s.issue("a", "world-1", 30s, t0 + 10s).token;
  auto r = v.verify(late, t0 + 10s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == TokenError::jti_cache_full);
  CHECK(v.remembered_ids() == 3);
  // The first three expire at t0 + 30 s; then there is room again.
  CHECK(v.verify(late, t0 + 31s).ok());
  CHECK(v.remembered_ids() == 1);
}

TEST_CASE("every token_error has a distinct name") {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(TokenError::jti_cache_full); ++i)
    names.insert(to_string(static_cast<TokenError>(i)));
  CHECK(names.size() == static_cast<std::size_t>(TokenError::jti_cache_full) + 1);
  CHECK(names.count("unknown") == 0);
}

TEST_CASE("default_kid is stable, short and differs per key") {
  auto a = default_kid(key_from(1).public_key());
  CHECK(a == default_kid(key_from(1).public_key()));
  CHECK(a.size() == 11);
  CHECK(a != default_kid(key_from(2).public_key()));
}

TEST_CASE("openssl verifies our token's signature with our SPKI public key") {
  if (std::system("openssl version >/dev/null 2>&1") != 0) {
    MESSAGE("openssl CLI not installed; skipped");
    return;
  }
  gs::test::temp_dir dir;
  auto key = key_from(3);
  TokenSigner s("auth-1", "k3", key_from(3));
  auto t = s.issue("alice", "world-1", 30s, t0).token;
  gs::test::write_text(dir / "pub.pem", public_key_to_pem(key.public_key()));
  gs::test::write_text(dir / "input", t.substr(0, t.rfind('.')));
  auto sig = base64url_decode(t.substr(t.rfind('.') + 1));
  REQUIRE(sig);
  gs::test::write_text(dir / "sig", std::string(sig->begin(), sig->end()));
  std::string cmd = "openssl pkeyutl -verify -rawin -pubin -inkey " + (dir / "pub.pem").string() + " -in " +
                    (dir / "input").string() + " -sigfile " + (dir / "sig").string() + " >/dev/null 2>&1";
  CHECK(std::system(cmd.c_str()) == 0);
  gs::test::write_text(dir / "input", t.substr(0, t.rfind('.')) + "x");
  CHECK(std::system(cmd.c_str()) != 0);
}

TEST_CASE("a token issued with the longest auth.token_ttl verifies under the verifier's default limit") {
  TokenVerifierConfig c;
  c.audience = "world-1";
  TokenVerifier v(c, {{"k1", key_from(1).public_key()}});
  TokenSigner s("auth-1", "k1", key_from(1));
  CHECK(v.verify(s.issue("alice", "world-1", max_token_lifetime, t0).token, t0).ok());
  auto longer = v.verify(s.issue("alice", "world-1", max_token_lifetime + 1s, t0).token, t0);
  REQUIRE_FALSE(longer.ok());
  CHECK(longer.error() == TokenError::lifetime_too_long);
}

TEST_CASE("several accepted issuers: a token from any of them verifies, any other iss is refused") {
  TokenVerifierConfig c;
  c.audience = "world-1";
  c.issuers = {"auth-1", "auth-2"};
  TokenVerifier v(c, {{"k1", key_from(1).public_key()}});
  CHECK(v.verify(TokenSigner("auth-1", "k1", key_from(1)).issue("a", "world-1", 30s, t0).token, t0).ok());
  CHECK(v.verify(TokenSigner("auth-2", "k1", key_from(1)).issue("a", "world-1", 30s, t0).token, t0).ok());
  auto other = v.verify(TokenSigner("auth-3", "k1", key_from(1)).issue("a", "world-1", 30s, t0).token, t0);
  REQUIRE_FALSE(other.ok());
  CHECK(other.error() == TokenError::wrong_issuer);
}
