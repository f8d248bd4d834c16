#include "session/link_auth.hpp"

#include "session/codec.hpp"

namespace gs::session {

LinkAuth::LinkAuth(Side side, LinkIdentity self, SecretLookup lookup)
    : side_(side), self_(std::move(self)), lookup_(std::move(lookup)) {}

void LinkAuth::send(Session& session, std::span<const std::byte> bytes) {
  session.send_auth({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

void LinkAuth::start(Session& session, Time) {
  nonce_ = crypto::make_link_nonce();
  step_ = Step::wait_hello;
  send(session, encode(LinkHello{self_.role, self_.id, nonce_}));
}

crypto::LinkTranscript LinkAuth::transcript(std::span<const std::uint8_t> binding) const {
  crypto::LinkParty self{self_.role, self_.id};
  crypto::LinkParty peer{peer_->role, peer_->id};
  crypto::LinkTranscript t;
  t.initiator = side_ == Side::initiator ? self : peer;
  t.responder = side_ == Side::initiator ? peer : self;
  t.initiator_nonce = side_ == Side::initiator ? nonce_ : peer_nonce_;
  t.responder_nonce = side_ == Side::initiator ? peer_nonce_ : nonce_;
  t.channel_binding = binding;
  return t;
}

void LinkAuth::on_auth_data(Session& session, std::span<const std::uint8_t> data, Time now) {
  std::span<const std::byte> bytes{reinterpret_cast<const std::byte*>(data.data()), data.size()};
  const auto own = side_ == Side::initiator ? crypto::LinkDirection::initiator_to_responder
                                            : crypto::LinkDirection::responder_to_initiator;
  const auto theirs = side_ == Side::initiator ? crypto::LinkDirection::responder_to_initiator
                                               : crypto::LinkDirection::initiator_to_responder;
  if (step_ == Step::wait_hello) {
    auto hello = decode<LinkHello>(bytes);
    if (!hello) return session.refuse_auth("malformed_hello", now);
    secret_ = lookup_(hello->role, hello->id);
    if (!secret_) {
      // Unknown role or id: answered like a wrong secret (bad_proof at the next step),
      // never with a reason of its own that would let a caller list configured ids.
      decoy_ = crypto::SecretBuffer::random(crypto::secret_file_min_bytes);
      secret_ = &decoy_;
    }
    peer_ = LinkIdentity{hello->role, hello->id};
    peer_nonce_ = hello->nonce;
    // A peer echoing our own nonce is replaying or reflecting us.
    if (peer_nonce_ == nonce_) return session.refuse_auth("bad_proof", now);
    step_ = Step::wait_proof;
    auto proof = crypto::compute_link_proof(*secret_, transcript(session.channel_binding()), own);
    send(session, encode(LinkProof{proof}));
    return;
  }
  if (step_ == Step::wait_proof) {
    auto proof = decode<LinkProof>(bytes);
    if (!proof) return session.refuse_auth("malformed_proof", now);
    if (!crypto::verify_link_proof(*secret_, transcript(session.channel_binding()), theirs, proof->proof))
      return session.refuse_auth("bad_proof", now);
    step_ = Step::done;
    session.complete_auth(now);
    return;
  }
  session.refuse_auth("unexpected_auth_data", now);
}

}  // namespace gs::session
