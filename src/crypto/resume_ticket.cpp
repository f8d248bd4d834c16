#include "crypto/resume_ticket.hpp"

#include <sodium.h>

#include <algorithm>

#include "crypto/sodium.hpp"

namespace gs::crypto {

namespace {

void put_name(std::vector<std::uint8_t>& out, std::string_view name) {
  out.push_back(static_cast<std::uint8_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
}

void put_be(std::vector<std::uint8_t>& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

// Reads the ticket's fields in order; any read past the end fails the whole read.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}
  bool name(std::string& out) {
    if (at_ >= in_.size()) return false;
    const std::size_t len = in_[at_++];
    if (len > resume_max_name || in_.size() - at_ < len) return false;
    out.assign(reinterpret_cast<const char*>(in_.data() + at_), len);
    at_ += len;
    return true;
  }
  bool be(std::uint64_t& out, int bytes) {
    if (in_.size() - at_ < static_cast<std::size_t>(bytes)) return false;
    out = 0;
    for (int i = 0; i < bytes; ++i) out = (out << 8) | in_[at_++];
    return true;
  }
  bool raw(std::span<std::uint8_t> out) {
    if (in_.size() - at_ < out.size()) return false;
    std::copy_n(in_.data() + at_, out.size(), out.data());
    at_ += out.size();
    return true;
  }
  std::size_t at() const { return at_; }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t at_ = 0;
};

}  // namespace

const char* to_string(ResumeError error) {
  switch (error) {
    case ResumeError::malformed: return "malformed";
    case ResumeError::bad_mac: return "bad_mac";
    case ResumeError::wrong_world: return "wrong_world";
    case ResumeError::expired: return "expired";
  }
  return "unknown";
}

ResumeTickets::ResumeTickets(std::string world)
    : world_(std::move(world)),
      key_((ensure_sodium(), SecretBuffer::random(crypto_auth_hmacsha256_KEYBYTES))) {}

std::array<std::uint8_t, resume_mac_bytes> ResumeTickets::mac(std::span<const std::uint8_t> body) const {
  std::array<std::uint8_t, resume_mac_bytes> out{};
  crypto_auth_hmacsha256(out.data(), body.data(), body.size(), key_.data());
  return out;
}

IssuedTicket ResumeTickets::issue(std::string_view account, std::uint32_t player_id,
                                  std::uint64_t expires) const {
  ensure_sodium();
  IssuedTicket issued;
  if (account.size() > resume_max_name || world_.size() > resume_max_name) return issued;
  randombytes_buf(issued.nonce.data(), issued.nonce.size());
  auto& out = issued.bytes;
  out.push_back(resume_ticket_version);
  put_name(out, world_);
  put_name(out, account);
  put_be(out, player_id, 4);
  put_be(out, expires, 8);
  out.insert(out.end(), issued.nonce.begin(), issued.nonce.end());
  const auto tag = mac(out);
  out.insert(out.end(), tag.begin(), tag.end());
  return issued;
}

Result<ResumeClaims, ResumeError> ResumeTickets::verify(std::span<const std::uint8_t> ticket,
                                                        std::uint64_t now) const {
  ResumeClaims claims;
  Reader r(ticket);
  std::uint64_t version = 0, player = 0;
  if (!r.be(version, 1) || version != resume_ticket_version || !r.name(claims.world) ||
      !r.name(claims.account) || !r.be(player, 4) || !r.be(claims.expires, 8) || !r.raw(claims.nonce))
    return fail(ResumeError::malformed);
  const std::size_t body = r.at();
  if (ticket.size() != body + resume_mac_bytes) return fail(ResumeError::malformed);
  const auto expected = mac(ticket.first(body));
  if (sodium_memcmp(expected.data(), ticket.data() + body, resume_mac_bytes) != 0)
    return fail(ResumeError::bad_mac);
  if (claims.world != world_) return fail(ResumeError::wrong_world);
  if (claims.expires <= now) return fail(ResumeError::expired);
  claims.player_id = static_cast<std::uint32_t>(player);
  return claims;
}

}  // namespace gs::crypto
