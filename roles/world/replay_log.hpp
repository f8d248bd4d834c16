#pragma once
// The lane-0 messages the world sent one player, numbered from 1 (the Welcome), of which
// the last `capacity` are kept: what a resume sends again after the number the client
// says it received (docs/PROTOCOL.md, "Resuming a session"). A broadcast is encoded once
// and shared by every player's log.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace gs::roles {

using SharedMessage = std::shared_ptr<const std::vector<std::byte>>;

class ReplayLog {
 public:
  explicit ReplayLog(std::size_t capacity) : capacity_(capacity) {}

  // Numbers `message` (sent() + 1) and keeps it, forgetting the oldest beyond capacity.
  void push(SharedMessage message);
  // How many messages were pushed, ever: the number of the newest.
  std::uint32_t sent() const { return sent_; }
  // True when every message after number `received` is still kept (and `received` is
  // not more than were sent): a resume from there loses nothing.
  bool covers(std::uint32_t received) const;
  // Calls f(const std::vector<std::byte>&) for every message after number `received`, in
  // order. Only meaningful when covers(received).
  template <class F>
  void for_each_after(std::uint32_t received, F&& f) const {
    if (!covers(received)) return;
    for (std::size_t i = kept_.size() - (sent_ - received); i < kept_.size(); ++i) f(*kept_[i]);
  }
  // Calls f(number, const std::vector<std::byte>&) for every kept message, oldest first.
  template <class F>
  void for_each_kept(F&& f) const {
    std::uint32_t n = first_kept();
    for (const auto& m : kept_) f(n++, *m);
  }
  // The number of the oldest message kept (sent() + 1 when none is).
  std::uint32_t first_kept() const { return sent_ - static_cast<std::uint32_t>(kept_.size()) + 1; }
  std::size_t kept() const { return kept_.size(); }

 private:
  std::size_t capacity_;
  std::uint32_t sent_ = 0;
  std::deque<SharedMessage> kept_;
};

}  // namespace gs::roles
