#include "dtls/fast_random.hpp"

#include "dtls/aead_offload.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bitset>
#include <set>
#include <string>
#include <vector>

using namespace gs::dtls::test;

namespace {

std::vector<std::uint8_t> draw(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  gs::dtls::detail::fast_random(out.data(), out.size());
  return out;
}

}  // namespace

TEST_CASE("fast_random never repeats a draw and its bits are balanced") {
  REQUIRE(sodium_init() >= 0);
  std::set<std::vector<std::uint8_t>> seen;
  std::size_t ones = 0, bits = 0;
  // Draws of every size cross many refills of the 512-byte block.
  for (std::size_t i = 0; i < 4000; ++i) {
    auto d = draw(8 + i % 57);
    for (auto b : d) ones += std::bitset<8>(b).count();
    bits += d.size() * 8;
    CHECK(seen.insert(d).second);
  }
  const double share = static_cast<double>(ones) / static_cast<double>(bits);
  CHECK(share > 0.49);
  CHECK(share < 0.51);
  auto big = draw(5000);  // larger than one block
  CHECK(std::count(big.begin(), big.end(), std::uint8_t{0}) < 100);
}

TEST_CASE("fast_random gives parent and child different bytes after fork") {
  REQUIRE(sodium_init() >= 0);
  (void)draw(16);  // the parent's state is seeded before the fork
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto d = draw(32);
    const bool ok = write(fds[1], d.data(), d.size()) == static_cast<ssize_t>(d.size());
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  auto mine = draw(32);
  std::vector<std::uint8_t> theirs(32);
  REQUIRE(read(fds[0], theirs.data(), theirs.size()) == 32);
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(mine != theirs);
}

TEST_CASE("AES-GCM records draw their random bytes from the fast generator") {
  if (!gs::dtls::detail::aes_gcm_offload_available()) {
    MESSAGE("no AES instructions on this CPU: records use ChaCha20-Poly1305, which draws none");
    return;
  }
  World w;
  Peer& p = w.add_client();
  REQUIRE(w.connect(p));
  const gs::dtls::PeerId id = w.sevents.accepted[0];
  const auto before = gs::dtls::detail::offload_random_draws();
  for (int i = 0; i < 10; ++i)
    CHECK(p.client->send(bytes("record " + std::to_string(i))) == gs::dtls::SendResult::ok);
  w.pump();
  REQUIRE(w.sevents.data[id].size() == 10);
  CHECK(w.sevents.data[id][9] == "record 9");
  CHECK(gs::dtls::detail::offload_random_draws() >= before + 10);
}
