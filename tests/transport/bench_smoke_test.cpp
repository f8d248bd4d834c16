// The bench workloads end to end over loopback, both sides in this process (the server
// on its own thread with its own event loop), small enough for the quick suite.
#include "bench/net.hpp"
#include "bench/protocol.hpp"
#include "bench/workloads.hpp"
#include "dtls/certgen.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>

namespace {

struct Server {
  std::atomic<bool> stop{false};
  std::thread thread;
  gs::net::Address address;

  Server() {
    auto cert = gs::dtls::generate_self_signed({"localhost", {"localhost"}, 1});
    std::promise<gs::net::Address> bound;
    auto ready = bound.get_future();
    thread = std::thread([this, cert, &bound] {
      gs::bench::GsServerOptions o;
      o.listen = gs::net::Address::loopback_v4(0);
      o.certificate_pem = cert.certificate_pem;
      o.private_key_pem = cert.private_key_pem;
      auto net = gs::bench::make_gs_server(o);
      bound.set_value(net->local_address());
      gs::bench::run_server(*net, stop);
      net.reset();
      gs::dtls::release_thread_caches();
    });
    address = ready.get();
  }
  ~Server() {
    stop = true;
    thread.join();
  }
};

std::shared_ptr<const gs::dtls::ClientContext> insecure() {
  gs::dtls::ClientConfig c;
  c.insecure = true;
  return std::make_shared<gs::dtls::ClientContext>(c);
}

}  // namespace

TEST_CASE("bench messages round-trip and detect corruption") {
  gs::bench::DataBuilder b(100);
  auto m = b.make(gs::bench::MsgType::data, 42, 7);
  std::vector<std::uint8_t> copy(m.begin(), m.end());
  auto v = gs::bench::parse_data(copy);
  REQUIRE(v);
  CHECK(v->seq == 42);
  CHECK(v->sent_ns == 7);
  CHECK(v->intact);
  copy[60] ^= 1;
  CHECK_FALSE(gs::bench::parse_data(copy)->intact);
  CHECK_FALSE(gs::bench::parse_data(std::span(copy).first(5)));

  gs::bench::Report r{1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<std::uint8_t> out;
  gs::bench::encode_report(out, r);
  auto d = gs::bench::decode_report(out);
  REQUIRE(d);
  CHECK(d->out_of_order == 4);
  CHECK(d->max_ns == 8);
  CHECK_FALSE(gs::bench::decode_report(std::span(out).first(10)));
}

TEST_CASE("stream, pingpong, paced, connect and hold over loopback") {
  Server server;
  auto run = [&](gs::bench::RunOptions o) {
    auto net = gs::bench::make_gs_client(server.address, insecure());
    o.timeout_s = 20;
    return gs::bench::run_client(*net, o);
  };
  gs::bench::RunOptions o;
  o.workload = gs::bench::Workload::stream;
  o.messages = 20000;
  auto j = run(o);
  INFO(j.dump());
  CHECK_FALSE(j.contains("error"));
  CHECK(j["missing"] == 0);
  CHECK(j["corrupt"] == 0);
  CHECK(j["msgs_per_s"].get<double>() > 0);

  o.workload = gs::bench::Workload::pingpong;
  o.messages = 200;
  o.size = 32;
  j = run(o);
  INFO(j.dump());
  CHECK(j["missing"] == 0);
  CHECK(j["p50_us"].get<double>() > 0);

  o.workload = gs::bench::Workload::paced;
  o.messages = 30;
  o.rate = 200;
  j = run(o);
  INFO(j.dump());
  CHECK(j["missing"] == 0);
  CHECK(j["out_of_order"] == 0);
  CHECK(j.contains("p99_ms"));

  o.workload = gs::bench::Workload::connect;
  o.clients = 20;
  o.concurrency = 5;
  j = run(o);
  INFO(j.dump());
  CHECK(j["failures"] == 0);
  for (const char* key : {"connect_ms_p50", "connect_ms_p99", "connect_ms_max"}) CHECK(j[key].is_number());
  CHECK(j["connect_ms_p50"] <= j["connect_ms_p99"]);
  CHECK(j["connect_ms_p99"] <= j["connect_ms_max"]);

  o.workload = gs::bench::Workload::hold;
  o.clients = 10;
  j = run(o);
  INFO(j.dump());
  CHECK(j["failures"] == 0);
  CHECK(j["server_connections"] == 11);  // the held ones and the control connection
}
