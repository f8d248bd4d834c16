#include "bench/proxy.hpp"

#include "net/udp_endpoint.hpp"

#include <asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <iostream>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

namespace gs::bench {

namespace {

using Clock = std::chrono::steady_clock;

class Proxy {
 public:
  Proxy(asio::io_context& io, const ProxyOptions& o)
      : io_(io), o_(o), front_(io, o.listen), timer_(io), rng_(o.seed) {
    front_.start([this](const net::Address& from, std::span<const std::uint8_t> d) {
      Flow& f = flow(from);
      enqueue(f.back.get(), o_.upstream, d);
    });
  }
  net::Address address() const { return front_.local_address(); }
  std::uint64_t dropped() const { return dropped_; }

 private:
  struct Flow {
    std::unique_ptr<net::UdpEndpoint> back;
  };
  struct Pending {
    Clock::time_point due;
    net::UdpEndpoint* via;
    net::Address to;
    std::vector<std::uint8_t> data;
  };

  Flow& flow(const net::Address& client) {
    auto it = flows_.find(client);
    if (it != flows_.end()) return it->second;
    Flow f;
    auto any = o_.upstream.is_v4() ? net::Address::v4(0, 0) : *net::Address::parse("[::]:0");
    net::UdpOptions uo;
    uo.receive_batch = 16;
    f.back = std::make_unique<net::UdpEndpoint>(io_, any, uo);
    f.back->start([this, client](const net::Address&, std::span<const std::uint8_t> d) {
      enqueue(&front_, client, d);
    });
    return flows_.emplace(client, std::move(f)).first->second;
  }

  void enqueue(net::UdpEndpoint* via, const net::Address& to, std::span<const std::uint8_t> d) {
    if (o_.loss > 0 && uniform_(rng_) < o_.loss) {
      ++dropped_;
      return;
    }
    if (o_.delay_ms <= 0) {
      via->send(to, d);
      return;
    }
    const auto due = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double, std::milli>(o_.delay_ms));
    queue_.push_back(Pending{due, via, to, {d.begin(), d.end()}});
    if (queue_.size() == 1) arm();
  }

  void arm() {
    timer_.expires_at(queue_.front().due);
    timer_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      const auto now = Clock::now();
      while (!queue_.empty() && queue_.front().due <= now) {
        auto& p = queue_.front();
        p.via->send(p.to, p.data);
        queue_.pop_front();
      }
      if (!queue_.empty()) arm();
    });
  }

  asio::io_context& io_;
  ProxyOptions o_;
  net::UdpEndpoint front_;
  asio::steady_timer timer_;
  std::unordered_map<net::Address, Flow, net::AddressHash> flows_;
  std::deque<Pending> queue_;  // constant delay: due times are in arrival order
  std::mt19937 rng_;
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
  std::uint64_t dropped_ = 0;
};

}  // namespace

int run_proxy(const ProxyOptions& options, const std::atomic<bool>& stop) {
  asio::io_context io(1);
  Proxy proxy(io, options);
  std::cout << "listening on " << proxy.address().to_string() << " (proxy to " << options.upstream.to_string()
            << ", loss " << options.loss << ", delay " << options.delay_ms << " ms)" << std::endl;
  while (!stop) {
    io.run_for(std::chrono::milliseconds(50));
    if (io.stopped()) io.restart();
  }
  std::cerr << "proxy dropped " << proxy.dropped() << " datagrams\n";
  return 0;
}

}  // namespace gs::bench
