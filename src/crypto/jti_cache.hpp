#pragma once
// Remembers token ids (jti) until their tokens can no longer be accepted, so each token
// is used once. Memory is bounded by `capacity` entries. When it is full of ids that
// are still live, new ids are refused rather than old ones forgotten: forgetting would
// let a captured token be replayed, refusing only delays logins until entries expire
// (at most the verifier's maximum token lifetime). The verifier's lifetime cap keeps
// that window short. Not thread-safe; time is passed in.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace gs::crypto {

class JtiCache {
 public:
  using TimePoint = std::chrono::sys_seconds;

  enum class Outcome : std::uint8_t { recorded, reused, full };

  explicit JtiCache(std::size_t capacity) : capacity_(capacity) {}

  // Records `jti` until `forget_after`, unless already present or the cache is full of
  // entries still live at `now`.
  Outcome record(std::string_view jti, TimePoint forget_after, TimePoint now);
  bool contains(std::string_view jti) const;

  std::size_t size() const { return ids_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    TimePoint forget_after;
    std::string id;
    bool operator>(const Entry& o) const { return forget_after > o.forget_after; }
  };

  void expire(TimePoint now);

  std::size_t capacity_;
  std::unordered_set<std::string> ids_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> by_expiry_;
};

}  // namespace gs::crypto
