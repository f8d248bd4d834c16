#pragma once
// Two sessions joined by an in-memory transport, on a manual clock.

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "session/session.hpp"

namespace gs::session::test {

using namespace std::chrono_literals;

struct PipeEnd : SessionTransport {
  std::deque<std::pair<std::uint8_t, std::vector<std::byte>>> outbox;
  std::vector<std::vector<std::byte>> sent;  // everything ever sent, in order
  bool closed = false;
  bool flushed = false;
  bool send(std::uint8_t lane, std::span<const std::byte> message) override {
    if (closed) return false;
    sent.emplace_back(message.begin(), message.end());
    outbox.emplace_back(lane, std::vector<std::byte>(message.begin(), message.end()));
    return true;
  }
  void close(bool flush) override {
    closed = true;
    flushed = flush;
    if (!flush) outbox.clear();
  }
};

struct Recorder : SessionEvents {
  std::function<void(Session&, Time)> authenticating = [](Session&, Time) {};
  std::function<void(Session&, std::span<const std::uint8_t>, Time)> auth_data =
      [](Session&, std::span<const std::uint8_t>, Time) {};
  int connected = 0;
  std::vector<std::string> failures;
  std::vector<std::vector<std::byte>> messages;
  std::vector<std::uint8_t> lanes;  // of each message
  std::vector<EndCode> closed;

  void on_authenticating(Session& s, Time now) override { authenticating(s, now); }
  void on_auth_data(Session& s, std::span<const std::uint8_t> d, Time now) override { auth_data(s, d, now); }
  void on_connected(Session&, Time) override { ++connected; }
  void on_authentication_failed(Session&, std::string_view reason, Time) override {
    failures.emplace_back(reason);
  }
  void on_message(Session&, std::uint8_t lane, std::uint8_t, std::span<const std::byte> m, Time) override {
    messages.emplace_back(m.begin(), m.end());
    lanes.push_back(lane);
  }
  void on_closed(Session&, const End& end, Time) override { closed.push_back(end.code); }
};

// Carries messages between two sessions' pipes; closes the far side when one closes.
inline void deliver(PipeEnd& from, Session& to, Time now) {
  while (!from.outbox.empty()) {
    auto [lane, bytes] = std::move(from.outbox.front());
    from.outbox.pop_front();
    to.transport_message(lane, bytes, now);
  }
}

inline void settle(PipeEnd& pipe, Session& self, Session& peer, Time now) {
  if (pipe.closed && self.state() != State::closed) {
    self.transport_closed(End{EndCode::local, {}}, now);
    peer.transport_closed(End{EndCode::remote, {}}, now);
  }
}

inline void pump(PipeEnd& a_pipe, Session& a, PipeEnd& b_pipe, Session& b, Time now) {
  for (int round = 0; round < 100 && (!a_pipe.outbox.empty() || !b_pipe.outbox.empty()); ++round) {
    deliver(a_pipe, b, now);
    deliver(b_pipe, a, now);
  }
  settle(a_pipe, a, b, now);
  settle(b_pipe, b, a, now);
}

struct Pair {
  Time now{};
  SessionConfig config{};
  PipeEnd a_pipe, b_pipe;
  Recorder a_events, b_events;
  Session a{config, a_pipe, a_events, now};
  Session b{config, b_pipe, b_events, now};
  std::vector<std::uint8_t> binding = std::vector<std::uint8_t>(32, 0x5a);

  void open() {
    a.transport_open(binding, now);
    b.transport_open(binding, now);
  }

  void pump() { test::pump(a_pipe, a, b_pipe, b, now); }

  void advance(Duration d) {
    now += d;
    a.update(now);
    b.update(now);
    pump();
  }
};

}  // namespace gs::session::test
