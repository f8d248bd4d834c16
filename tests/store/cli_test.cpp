// The account, token and keygen commands, run as the real executable.

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "tests/crypto/temp_dir.hpp"

using gs::test::read_text;
using gs::test::temp_dir;
using gs::test::write_text;

namespace {

struct run_result {
  int status = -1;
  std::string out;  // standard output and standard error, in order
};

run_result run(const temp_dir& dir, const std::string& args, const std::string& stdin_text = "") {
  write_text(dir / "stdin", stdin_text);
  std::string cmd = "cd '" + dir.path().string() + "' && '" GAMESERVER_EXE "' " + args + " <stdin 2>&1";
  run_result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Small Argon2id parameters keep the test fast; the database lives beside the config.
void write_config(const temp_dir& dir) {
  write_text(dir / "gs.yaml",
             "roles: [auth]\n"
             "auth:\n"
             "  database: data/accounts.db\n"
             "  token_key: keys/token.key\n"
             "  password_ops_limit: 1\n"
             "  password_memory: 8KiB\n"
             "world:\n"
             "  id: world-7\n"
             "  token_keys: [keys/token.pub]\n");
}

}  // namespace

TEST_CASE("keygen writes the key files with their modes and refuses to overwrite") {
  temp_dir dir;
  auto r = run(dir, "keygen --out keys");
  REQUIRE_MESSAGE(r.status == 0, r.out);
  CHECK(r.out.find("token_key: ") != std::string::npos);
  CHECK(mode_of(dir / "keys") == 0700);
  CHECK(mode_of(dir / "keys/token.key") == 0600);
  CHECK(mode_of(dir / "keys/token.pub") == 0644);
  CHECK(mode_of(dir / "keys/gateway-auth.secret") == 0600);
  CHECK(mode_of(dir / "keys/world-auth.secret") == 0600);
  CHECK(mode_of(dir / "keys/dtls.key") == 0600);
  CHECK(mode_of(dir / "keys/dtls.crt") == 0644);
  CHECK(read_text(dir / "keys/token.key")
            .rfind("-----BEGIN "
                   "PRIVATE KEY-----",
                   0) == 0);
  CHECK(read_text(dir / "keys/dtls.crt").rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  CHECK(read_text(dir / "keys/world-auth.secret").size() == 44);  // 32 bytes, base64url, newline
  CHECK(read_text(dir / "keys/world-auth.secret") != read_text(dir / "keys/gateway-auth.secret"));

  const std::string pub = read_text(dir / "keys/token.pub");
  r = run(dir, "keygen --out keys");
  CHECK(r.status == 1);
  CHECK(r.out.find("--force") != std::string::npos);
  CHECK(read_text(dir / "keys/token.pub") == pub);
  r = run(dir, "keygen --out keys --force");
  CHECK(r.status == 0);
  CHECK(read_text(dir / "keys/token.pub") != pub);
  CHECK(mode_of(dir / "keys/token.key") == 0600);
}

TEST_CASE("keygen puts every --dtls-name in the certificate as a DNS or IP address SAN") {
  temp_dir dir;
  auto r = run(dir, "keygen --out dev");
  REQUIRE_MESSAGE(r.status == 0, r.out);
  r = run(dir, "keygen --out named --dtls-name gw.example --dtls-name 192.0.2.7,2001:db8::1,world.example");
  REQUIRE_MESSAGE(r.status == 0, r.out);
  std::string text;
  for (const char* cert : {"dev/dtls.crt", "named/dtls.crt"}) {
    FILE* p = ::popen(("openssl x509 -noout -text -in '" + (dir / cert).string() + "' 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    for (std::size_t n = 0; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
    ::pclose(p);
  }
  CHECK(text.find("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1") != std::string::npos);
  CHECK(
      text.find("DNS:gw.example, DNS:world.example, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:1") !=
      std::string::npos);
  CHECK(text.find("CN = gw.example") != std::string::npos);
  CHECK(run(dir, "keygen --out empty --dtls-name ''").status != 0);
}

TEST_CASE("account add, passwd, disable, enable, list; bulk; clear errors and exit codes") {
  temp_dir dir;
  write_config(dir);
  auto r = run(dir, "account add Alice --password-stdin --config gs.yaml", "correct horse\n");
  REQUIRE_MESSAGE(r.status == 0, r.out);
  CHECK(r.out == "added account alice\n");
  CHECK(mode_of(dir / "data/accounts.db") == 0600);

  r = run(dir, "account add alice --password-stdin --config gs.yaml", "another one\n");
  CHECK(r.status == 1);
  CHECK(r.out.find("already exists") != std::string::npos);
  r = run(dir, "account add bob --password-stdin --config gs.yaml", "short\n");
  CHECK(r.status == 2);
  CHECK(r.out.find("at least 8 bytes") != std::string::npos);
  r = run(dir, "account add b --password-stdin --config gs.yaml", "long enough\n");
  CHECK(r.status == 2);
  CHECK(r.out.find("3 to 32 characters") != std::string::npos);
  r = run(dir, "account add bob --config gs.yaml", "long enough\n");
  CHECK(r.status == 2);
  CHECK(r.out.find("--password-stdin") != std::string::npos);

  r = run(dir, "account add bot --count 20 --password-stdin --config gs.yaml", "load test pw\n");
  CHECK(r.status == 0);
  CHECK(r.out == "added 20 accounts bot1..bot20\n");
  CHECK(run(dir, "account disable bot7 --config gs.yaml").status == 0);
  CHECK(run(dir, "account disable nobody --config gs.yaml").status == 1);
  CHECK(run(dir, "account passwd alice --password-stdin --config gs.yaml", "new password\n").status == 0);

  r = run(dir, "account list --config gs.yaml");
  CHECK(r.status == 0);
  CHECK(r.out.rfind("NAME", 0) == 0);
  CHECK(r.out.find("\nalice ") != std::string::npos);
  CHECK(r.out.find("\nbot20 ") != std::string::npos);
  const auto bot7 = r.out.find("\nbot7 ");
  REQUIRE(bot7 != std::string::npos);
  CHECK(r.out.substr(bot7, r.out.find('\n', bot7 + 1) - bot7).find("disabled") != std::string::npos);
  CHECK(run(dir, "account enable bot7 --config gs.yaml").status == 0);
  CHECK(run(dir, "account list --config gs.yaml").out.find("disabled") == std::string::npos);
  CHECK(r.out.find("$argon2id") == std::string::npos);  // hashes are never printed
}

TEST_CASE("token issue prints a token that token verify accepts; rejections say why") {
  temp_dir dir;
  write_config(dir);
  REQUIRE(run(dir, "keygen --out keys").status == 0);
  auto issued = run(dir, "token issue --sub Alice --aud world-7 --ttl 60 --config gs.yaml");
  REQUIRE_MESSAGE(issued.status == 0, issued.out);
  CHECK(std::count(issued.out.begin(), issued.out.end(), '.') == 2);

  auto r = run(dir, "token verify --config gs.yaml", issued.out);
  CHECK_MESSAGE(r.status == 0, r.out);
  CHECK(r.out.find("\"sub\":\"alice\"") != std::string::npos);
  CHECK(r.out.find("\"aud\":\"world-7\"") != std::string::npos);
  CHECK(r.out.find("\"iss\":\"auth-1\"") != std::string::npos);

  r = run(dir, "token verify --aud world-1 --config gs.yaml", issued.out);
  CHECK(r.status == 1);
  CHECK(r.out == "token rejected: wrong_audience\n");
  r = run(dir, "token verify --config gs.yaml", "not.a.token\n");
  CHECK(r.status == 1);
  CHECK(r.out.find("token rejected: ") == 0);

  // Another deployment's key does not verify it.
  REQUIRE(run(dir, "keygen --out other").status == 0);
  r = run(dir, "token verify --key other/token.pub --config gs.yaml", issued.out);
  CHECK(r.status == 1);
  CHECK(r.out == "token rejected: unknown_kid\n");
}
