#include "roles/world/rate_limit.hpp"

#include <algorithm>

namespace gs::roles {

TokenBucket::TokenBucket(double rate_per_s, double burst, RateTime now)
    : rate_per_s_(rate_per_s), burst_(std::max(1.0, burst)), tokens_(burst_), last_(now) {}

bool TokenBucket::take(RateTime now) {
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_per_s_);
    last_ = now;
  }
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

MessageRateLimit::MessageRateLimit(const RateLimitSettings& s, RateTime now)
    : bucket_(s.input_per_s, s.input_burst, now), kick_drops_(s.kick_drops), kick_window_(s.kick_window) {}

MessageRateLimit::Verdict MessageRateLimit::admit(RateTime now) {
  if (bucket_.take(now)) return Verdict::pass;
  while (!drops_.empty() && now - drops_.front() >= kick_window_) drops_.pop_front();
  drops_.push_back(now);
  return drops_.size() > kick_drops_ ? Verdict::kick : Verdict::drop;
}

}  // namespace gs::roles
