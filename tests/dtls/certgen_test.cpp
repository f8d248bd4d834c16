#include "dtls/certgen.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

TEST_CASE("generated certificate and key are standard PEM that OpenSSL reads") {
  auto c = gs::dtls::generate_self_signed({"gameserver-test", {"localhost", "game.local"}, 10});
  CHECK(c.certificate_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(c.private_key_pem.rfind("-----BEGIN "
                                "PRIVATE KEY-----",
                                0) == 0);
  auto other = gs::dtls::generate_self_signed();
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
                          " 2>&1 && openssl pkey -in " + key_path + " -noout -text >> " + out_path + " 2>&1";
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
  CHECK_THROWS_AS(gs::dtls::generate_self_signed({"", {}, 10}), std::runtime_error);
  CHECK_THROWS_AS(gs::dtls::generate_self_signed({std::string(100, 'a'), {}, 10}), std::runtime_error);
}

TEST_CASE("an issued certificate carries DNS and IP address names and verifies against its CA") {
  auto ca = gs::dtls::generate_self_signed({"certgen-test-ca", {}, 10});
  auto leaf = gs::dtls::issue_certificate({"leaf", {"game.example"}, 10, {"127.0.0.1", "::1"}}, ca);
  char dir_template[] = "/tmp/certgen-test-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  REQUIRE(dir != nullptr);
  const std::string ca_path = std::string(dir) + "/ca.pem";
  const std::string leaf_path = std::string(dir) + "/leaf.pem";
  const std::string out_path = std::string(dir) + "/out.txt";
  std::ofstream(ca_path) << ca.certificate_pem;
  std::ofstream(leaf_path) << leaf.certificate_pem;
  const std::string cmd = "openssl verify -CAfile " + ca_path + " " + leaf_path + " > " + out_path +
                          " 2>&1 && openssl x509 -in " + leaf_path + " -noout -text >> " + out_path + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream in(out_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& p : {ca_path, leaf_path, out_path}) std::remove(p.c_str());
  std::remove(dir);
  MESSAGE(text);
  REQUIRE(rc == 0);
  CHECK(text.find(": OK") != std::string::npos);
  CHECK(text.find("DNS:game.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1") != std::string::npos);
  CHECK(text.find("CA:TRUE") == std::string::npos);
  CHECK(text.find("Issuer: O = gameserver, CN = certgen-test-ca") != std::string::npos);
  CHECK_THROWS_AS(gs::dtls::issue_certificate({"leaf", {}, 10, {"not-an-address"}}, ca), std::runtime_error);
  CHECK(gs::dtls::is_ip_address("::1"));
  CHECK_FALSE(gs::dtls::is_ip_address("localhost"));
}
