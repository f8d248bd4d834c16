#include "channel/sim.hpp"

#include <algorithm>

namespace gs::channel::sim {

namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
Duration scale(Duration d, double f) {
  return Duration(static_cast<Duration::rep>(static_cast<double>(d.count()) * f));
}
}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

Network::Network(const LinkConfig& a_to_b, const LinkConfig& b_to_a, std::uint64_t seed) : rng_(seed) {
  links_[0].cfg = a_to_b;
  links_[1].cfg = b_to_a;
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
  Link& link = links_[static_cast<int>(from)];
  const LinkConfig& c = link.cfg;
  const Side to = from == Side::a ? Side::b : Side::a;
  ++link.stats.sent;
  Time depart = now;
  if (c.bandwidth > 0) {
    const Time start = std::max(now, link.busy_until);
    const double backlog =
        std::chrono::duration<double>(start - now).count() * static_cast<double>(c.bandwidth);
    if (c.queue_bytes > 0 &&
        backlog + static_cast<double>(datagram.size()) > static_cast<double>(c.queue_bytes)) {
      ++link.stats.queue_dropped;
      return;
    }
    link.busy_until = start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(
                                  static_cast<double>(datagram.size()) / static_cast<double>(c.bandwidth)));
    depart = link.busy_until;
  }
  if (rng_.chance(c.loss)) {
    ++link.stats.lost;
    return;
  }
  const int copies = rng_.chance(c.duplicate) ? 2 : 1;
  if (copies == 2) ++link.stats.duplicated;
  for (int i = 0; i < copies; ++i) {
    Time at = depart + c.latency;
    if (c.jitter.count() > 0) at += scale(c.jitter, rng_.uniform());
    if (rng_.chance(c.reorder)) {
      ++link.stats.reordered;
      at += scale(c.reorder_delay, rng_.uniform());
    }
    enqueue(to, at, datagram);
  }
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
