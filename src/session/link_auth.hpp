#pragma once
// Mutual authentication of role-to-role links (gateway -> auth, world -> auth),
// run inside a session's pre-auth exchange.
//
//   both sides:  AuthData(LinkHello{role, id, fresh 32-byte nonce})
//   both sides:  AuthData(LinkProof{HMAC-SHA256(secret, transcript, direction)})
//   both sides:  verify the peer's proof in constant time -> complete_auth()
//
// The transcript (crypto/link_proof.hpp) binds both nonces, both roles and ids, the
// direction and the DTLS session's exported keying material, so a proof cannot be
// replayed on another connection or reflected back at its sender.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/link_proof.hpp"
#include "crypto/secret.hpp"
#include "session/session.hpp"

namespace gs::session {

struct LinkIdentity {
  std::string role;  // "gateway", "auth", "world"
  std::string id;    // e.g. "gateway-1"
};

inline constexpr std::size_t max_link_name = 64;

struct LinkHello {
  static constexpr std::uint8_t type = 0x01;
  std::string role;
  std::string id;
  crypto::LinkNonce nonce{};
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.str(m.role, max_link_name);
    io.str(m.id, max_link_name);
    io.array(m.nonce);
  }
};

struct LinkProof {
  static constexpr std::uint8_t type = 0x02;
  crypto::LinkProof proof{};
  template <class IO, class M>
  static void fields(IO& io, M& m) {
    io.array(m.proof);
  }
};

class LinkAuth {
 public:
  enum class Side { initiator, responder };  // who opened the connection
  // The secret shared with a peer, or nullptr if that peer may not link with us.
  using SecretLookup = std::function<const crypto::SecretBuffer*(std::string_view role, std::string_view id)>;

  LinkAuth(Side side, LinkIdentity self, SecretLookup lookup);

  // Call from SessionEvents::on_authenticating.
  void start(Session& session, Time now);
  // Call from SessionEvents::on_auth_data.
  void on_auth_data(Session& session, std::span<const std::uint8_t> data, Time now);

  // Who the peer claimed to be (proven once the session is connected).
  const std::optional<LinkIdentity>& peer() const { return peer_; }

 private:
  enum class Step { idle, wait_hello, wait_proof, done };
  crypto::LinkTranscript transcript(std::span<const std::uint8_t> binding) const;
  void send(Session& session, std::span<const std::byte> bytes);

  Side side_;
  LinkIdentity self_;
  SecretLookup lookup_;
  Step step_ = Step::idle;
  crypto::LinkNonce nonce_{};
  crypto::LinkNonce peer_nonce_{};
  std::optional<LinkIdentity> peer_;
  const crypto::SecretBuffer* secret_ = nullptr;
  // Stands in for the secret of a peer we do not know, so that an unknown id goes
  // through the same steps as a wrong secret and fails at the proof, the same way.
  crypto::SecretBuffer decoy_;
};

}  // namespace gs::session
