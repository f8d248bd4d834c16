#pragma once
// Per-player message rate limits: a token bucket for everything a player sends, and the
// rule that kicks a player who keeps going over it. Sans-IO: time is passed in, nothing
// here reads a clock, so tests drive it with a manual one. The world keeps one
// MessageRateLimit per player; a game that wants finer budgets (the arena's chat) keeps
// its own inside the module.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace gs::roles {

using RateTime = std::chrono::steady_clock::time_point;

// `rate` tokens a second refill the bucket, up to `burst`; each message takes one.
// Starts full, so a burst of `burst` messages passes at once.
class TokenBucket {
 public:
  TokenBucket(double rate_per_s, double burst, RateTime now);
  // Takes one token if there is one; false (nothing taken) when the bucket is empty.
  bool take(RateTime now);

 private:
  double rate_per_s_;
  double burst_;
  double tokens_;
  RateTime last_;
};

struct RateLimitSettings {
  // Messages a second, on any lane: input sent once a frame by a client drawing up to 240
  // frames a second (the most world.tick_rate allows) stays within it.
  std::uint32_t input_per_s = 250;
  std::uint32_t input_burst = 250;
  // A player with more than `kick_drops` messages dropped within `kick_window` is kicked.
  std::uint32_t kick_drops = 100;
  std::chrono::microseconds kick_window = std::chrono::seconds(10);
};

class MessageRateLimit {
 public:
  enum class Verdict { pass, drop, kick };

  MessageRateLimit(const RateLimitSettings& settings, RateTime now);
  // One message at `now`: pass it, drop it (over the rate), or drop it and kick the
  // sender (over the rate persistently).
  Verdict admit(RateTime now);

 private:
  TokenBucket bucket_;
  std::uint32_t kick_drops_;
  std::chrono::microseconds kick_window_;
  std::deque<RateTime> drops_;  // times of recent drops, at most kick_drops_ + 1 kept
};

}  // namespace gs::roles
