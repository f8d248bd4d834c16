// The handshake retransmission timer of one DTLS connection, sans-IO: time is passed
// in. One flight is outstanding at a time; it is resent after `initial` (or 2 x the
// measured RTT), twice more at that interval, then at doubling intervals capped at
// `max`. And ResendBudget, a server's cap on resends per second.
#pragma once

#include "dtls/knobs.hpp"
#include "dtls/types.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>

namespace gs::dtls {

class RetransmitTimer {
 public:
  RetransmitTimer(Duration initial, Duration max) : initial_(initial), max_(std::max(initial, max)) {}

  // A new flight went out at `now`. `answering`: it answers the peer's reply to the
  // previous one, which gives an RTT sample unless that flight was resent (Karn).
  void flight_sent(TimePoint now, bool answering) {
    if (answering && armed_ && !resent_) rtt_ = now - sent_at_;
    sent_at_ = now;
    last_sent_ = now;
    resent_ = false;
    resends_ = 0;
    armed_ = true;
    interval_ = first_interval();
    due_ = now + interval_;
  }
  // The outstanding flight was resent at `now`: the next wait is the first one until
  // knobs::retransmit_resends_before_backoff resends have gone, then doubles up to `max`.
  void resent(TimePoint now) {
    resent_ = true;
    last_sent_ = now;
    if (++resends_ >= knobs::retransmit_resends_before_backoff) interval_ = std::min(interval_ * 2, max_);
    due_ = now + interval_;
  }
  // The peer resent its flight, so ours was lost: true when ours may go again at `now`
  // (at most once per retransmit_rtt_floor, so that copies of a small datagram cannot
  // make us send our larger flight at their rate). Call resent() when it went.
  bool may_answer(TimePoint now) const { return armed_ && now - last_sent_ >= knobs::retransmit_rtt_floor; }
  void stop() { armed_ = false; }

  bool armed() const { return armed_; }
  bool due(TimePoint now) const { return armed_ && now >= due_; }
  // When the outstanding flight is resent next; only meaningful while armed().
  TimePoint due_at() const { return due_; }
  std::optional<Duration> rtt() const { return rtt_; }
  Duration interval() const { return interval_; }

 private:
  Duration first_interval() const {
    if (!rtt_) return initial_;
    const Duration floor = std::min<Duration>(knobs::retransmit_rtt_floor, initial_);
    return std::clamp<Duration>(2 * *rtt_, floor, max_);
  }

  Duration initial_;
  Duration max_;
  Duration interval_{};
  TimePoint sent_at_{};    // of the outstanding flight's first send
  TimePoint last_sent_{};  // ... and of its latest
  TimePoint due_{};
  std::optional<Duration> rtt_;
  int resends_ = 0;  // of the outstanding flight
  bool armed_ = false;
  bool resent_ = false;
};

// At most `per_second` resends in each one-second window, the first window beginning
// at the first resend asked for; sans-IO like the timer.
class ResendBudget {
 public:
  explicit ResendBudget(std::size_t per_second) : per_second_(per_second) {}

  // True, and counted, when one more resend may go at `now`.
  bool take(TimePoint now) {
    roll(now);
    if (used_ >= per_second_) return false;
    ++used_;
    return true;
  }
  // True when take(now) would succeed.
  bool available(TimePoint now) const { return !started_ || now >= window_end() || used_ < per_second_; }
  // When a spent budget is renewed; only meaningful once take() was called.
  TimePoint window_end() const { return window_start_ + std::chrono::seconds(1); }

 private:
  void roll(TimePoint now) {
    if (started_ && now < window_end()) return;
    started_ = true;
    window_start_ = now;
    used_ = 0;
  }

  std::size_t per_second_;
  std::size_t used_ = 0;
  TimePoint window_start_{};
  bool started_ = false;
};

}  // namespace gs::dtls
