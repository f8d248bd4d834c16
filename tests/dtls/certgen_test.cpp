#include "dtls/certgen.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

TEST_CASE("generated certificate and key are standard PEM that OpenSSL reads") {
  auto c = dtls::generate_self_signed({"gameserver-test", {"localhost", "game.local"}, 10});
  CHECK(c.certificate_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(c.private_key_pem.rfind("-----BEGIN " "PRIVATE KEY-----", 0) == 0);
  auto other = dtls::generate_self_signed();
  CHECK(other.private_key_pem != c.private_key_pem);

  char dir_template[] = "/tmp/certgen-test-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  REQUIRE(dir != nullptr);
  const std::string cert_path = std::string(dir) + "/cert.pem";
  const std::string key_path = std::string(dir) + "/key.pem";
  std::ofstream(cert_path) << c.certificate_pem;
  std::ofstream(key_path) << c.private_key_pem;
  const std::string out_path = std::string(dir) + "/out.txt";
  const std::string cmd = "openssl x509 -in " + cert_path + " -noout -text > " + out_path +
                          " 2>&1 && openssl pkey -in " + key_path + " -noout -text >> " +
                          out_path + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream in(out_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(cert_path.c_str());
  std::remove(key_path.c_str());
  std::remove(out_path.c_str());
  std::remove(dir);
  REQUIRE(rc == 0);
  CHECK(text.find("ecdsa-with-SHA256") != std::string::npos);
  CHECK(text.find("prime256v1") != std::string::npos);
  CHECK(text.find("CN = gameserver-test") != std::string::npos);
  CHECK(text.find("DNS:localhost, DNS:game.local") != std::string::npos);
  CHECK(text.find("CA:TRUE") != std::string::npos);
}

TEST_CASE("bad requests are refused with a reason") {
  CHECK_THROWS_AS(dtls::generate_self_signed({"", {}, 10}), std::runtime_error);
  CHECK_THROWS_AS(dtls::generate_self_signed({std::string(100, 'a'), {}, 10}),
                  std::runtime_error);
}
