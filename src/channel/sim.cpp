#include "channel/sim.hpp"

#include <algorithm>

namespace gs::channel::sim {

Network::Network(const LinkConfig& a_to_b, const LinkConfig& b_to_a, std::uint64_t seed) : rng_(seed) {
  links_[0].settings = a_to_b;
  links_[1].settings = b_to_a;
}

void Network::enqueue(Side to, Time at, std::span<const std::byte> bytes) {
  std::vector<std::byte> buf;
  if (!pool_.empty()) {
    buf = std::move(pool_.back());
    pool_.pop_back();
  }
  buf.assign(bytes.begin(), bytes.end());
  queue_.push_back(InFlight{at, seq_++, to, std::move(buf)});
  std::push_heap(queue_.begin(), queue_.end(), std::greater<>{});
}

void Network::send(Side from, std::span<const std::byte> datagram, Time now) {
  const Side to = from == Side::a ? Side::b : Side::a;
  const impair::Verdict v = links_[static_cast<int>(from)].decide(datagram.size(), now, rng_);
  for (int i = 0; i < v.copies; ++i) enqueue(to, v.at[static_cast<std::size_t>(i)], datagram);
}

Time Network::next_delivery() const { return queue_.empty() ? Time::max() : queue_.front().at; }

std::size_t Network::deliver_due(Time now,
                                 const std::function<void(Side, std::span<const std::byte>)>& deliver) {
  std::size_t n = 0;
  while (!queue_.empty() && queue_.front().at <= now) {
    std::pop_heap(queue_.begin(), queue_.end(), std::greater<>{});
    InFlight item = std::move(queue_.back());
    queue_.pop_back();
    auto& stats = links_[item.to == Side::b ? 0 : 1].stats;
    ++stats.delivered;
    stats.bytes_delivered += item.bytes.size();
    deliver(item.to, item.bytes);
    pool_.push_back(std::move(item.bytes));
    ++n;
  }
  return n;
}

Pair::Pair(const ChannelConfig& a, const ChannelConfig& b, const LinkConfig& a_to_b, const LinkConfig& b_to_a,
           std::uint64_t seed, ChannelEvents& events_a, ChannelEvents& events_b, Time start,
           ReassemblyBudget* budget_a, ReassemblyBudget* budget_b)
    : net_(a_to_b, b_to_a, seed),
      a_(a, start, events_a, budget_a),
      b_(b, start, events_b, budget_b),
      now_(start) {}

std::size_t Pair::flush() {
  std::size_t n = a_.poll(now_, [&](std::span<const std::byte> d) { net_.send(Side::a, d, now_); });
  n += b_.poll(now_, [&](std::span<const std::byte> d) { net_.send(Side::b, d, now_); });
  return n;
}

bool Pair::step(Time limit) {
  std::size_t activity = flush();
  const Time t = std::min({net_.next_delivery(), a_.next_wakeup(), b_.next_wakeup()});
  if (t > limit) {
    if (limit != Time::max()) now_ = std::max(now_, limit);
    return false;
  }
  if (t > now_) {
    now_ = t;
  } else if (activity == 0 && net_.next_delivery() > now_) {
    now_ += std::chrono::microseconds(1);  // a wakeup in the past that produced nothing
  }
  net_.deliver_due(
      now_, [&](Side to, std::span<const std::byte> d) { (to == Side::a ? a_ : b_).receive(d, now_); });
  flush();  // timers due now fire, answers leave at the time they are made
  return true;
}

}  // namespace gs::channel::sim
