#include "bench/workloads.hpp"

#include <fmt/format.h>

#include <malloc.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace gs::bench {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::uint64_t percentile(std::vector<std::uint64_t>& v, double p) {
  if (v.empty()) return 0;
  std::size_t k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::span<const std::uint8_t> one_byte(MsgType t, std::uint8_t& store) {
  store = static_cast<std::uint8_t>(t);
  return {&store, 1};
}

// Steps `net` until `done` or the deadline; false on timeout.
template <class F>
bool wait_for(Net& net, F&& done, double timeout_s, std::chrono::microseconds step = 1000us) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  while (!done()) {
    if (Clock::now() > deadline) return false;
    net.step(step);
  }
  return true;
}

struct ClientSide {
  Net& net;
  ConnId conn = 0;
  bool connected = false;
  std::string closed;
  std::optional<Report> report;
  std::optional<std::pair<std::uint64_t, std::uint32_t>> rss;
  std::uint32_t last_pong = 0;
  bool got_pong = false;
  std::uint32_t corrupt_pongs = 0;

  explicit ClientSide(Net& n) : net(n) {
    net.events.connected = [this](ConnId id) {
      if (id == conn) connected = true;
    };
    net.events.closed = [this](ConnId id, std::string_view why) {
      if (id == conn) closed = std::string(why);
    };
    net.events.message = [this](ConnId, std::span<const std::uint8_t> m) {
      if (m.empty()) return;
      switch (static_cast<MsgType>(m[0])) {
        case MsgType::report: report = decode_report(m); break;
        case MsgType::pong: {
          auto v = parse_data(m);
          if (!v) break;
          if (!v->intact) ++corrupt_pongs;
          last_pong = v->seq;
          got_pong = true;
          break;
        }
        case MsgType::rss: {
          Reader r(m.subspan(1));
          std::uint64_t bytes = 0;
          std::uint32_t count = 0;
          if (r.u64(bytes) && r.u32(count)) rss = std::pair{bytes, count};
          break;
        }
        default: break;
      }
    };
  }

  bool open(double timeout_s) {
    conn = net.connect();
    if (conn == 0) return false;
    return wait_for(
               net, [&] { return connected || !closed.empty(); }, timeout_s) &&
           connected;
  }

  void send_blocking(std::span<const std::uint8_t> m) {
    while (!net.send(conn, m)) net.step(0us);
  }

  void start(Workload w, std::uint32_t n) {
    std::vector<std::uint8_t> m;
    Writer(m).u8(static_cast<std::uint8_t>(MsgType::start)).u8(static_cast<std::uint8_t>(w)).u32(n);
    send_blocking(m);
  }

  std::optional<std::pair<std::uint64_t, std::uint32_t>> query_rss(double timeout_s) {
    rss.reset();
    std::uint8_t b = 0;
    send_blocking(one_byte(MsgType::rss_query, b));
    wait_for(
        net, [&] { return rss.has_value() || !closed.empty(); }, timeout_s);
    return rss;
  }
};

void add_report(nlohmann::json& j, const Report& r) {
  j["missing"] = r.missing;
  j["duplicated"] = r.duplicated;
  j["out_of_order"] = r.out_of_order;
  j["corrupt"] = r.corrupt;
}

nlohmann::json run_stream(ClientSide& c, const RunOptions& o) {
  nlohmann::json j;
  c.start(Workload::stream, o.messages);
  DataBuilder b(o.size);
  const auto t0 = Clock::now();
  for (std::uint32_t seq = 0; seq < o.messages;) {
    if (c.net.send(c.conn, b.make(MsgType::data, seq, 0))) {
      ++seq;
      if ((seq & 1023) == 0) c.net.step(0us);
    } else {
      c.net.step(0us);
    }
    if (!c.closed.empty()) break;
  }
  bool ok = wait_for(
      c.net, [&] { return c.report.has_value() || !c.closed.empty(); }, o.timeout_s, 0us);
  const double elapsed = seconds_since(t0);
  if (!ok || !c.report) {
    j["error"] = c.closed.empty() ? "no report from the server in time" : c.closed;
    return j;
  }
  j["msgs_per_s"] = o.messages / elapsed;
  j["mb_per_s"] = static_cast<double>(o.messages) * o.size / elapsed / 1e6;
  j["seconds"] = elapsed;
  add_report(j, *c.report);
  return j;
}

nlohmann::json run_pingpong(ClientSide& c, const RunOptions& o) {
  nlohmann::json j;
  c.start(Workload::pingpong, o.messages);
  DataBuilder b(o.size);
  std::vector<std::uint64_t> rtts;
  rtts.reserve(o.messages);
  std::uint32_t missing = 0, out_of_order = 0;
  const auto deadline = Clock::now() + std::chrono::duration<double>(o.timeout_s);
  for (std::uint32_t seq = 0; seq < o.messages && c.closed.empty(); ++seq) {
    c.got_pong = false;
    const auto t = Clock::now();
    c.send_blocking(b.make(MsgType::ping, seq, 0));
    while (!(c.got_pong && c.last_pong == seq) && c.closed.empty() && Clock::now() < deadline) {
      if (c.got_pong && c.last_pong != seq) {
        ++out_of_order;
        c.got_pong = false;
      }
      c.net.step(0us);
    }
    if (!(c.got_pong && c.last_pong == seq)) {
      ++missing;
      break;
    }
    rtts.push_back(static_cast<std::uint64_t>((Clock::now() - t).count()));
  }
  j["p50_us"] = static_cast<double>(percentile(rtts, 0.5)) / 1000.0;
  j["p99_us"] = static_cast<double>(percentile(rtts, 0.99)) / 1000.0;
  j["missing"] = o.messages - rtts.size();
  j["duplicated"] = 0;
  j["out_of_order"] = out_of_order;
  j["corrupt"] = c.corrupt_pongs;
  (void)missing;
  return j;
}

nlohmann::json run_paced(ClientSide& c, const RunOptions& o) {
  nlohmann::json j;
  c.start(Workload::paced, o.messages);
  DataBuilder b(o.size);
  const auto t0 = Clock::now();
  const auto period = std::chrono::duration<double>(1.0 / std::max(o.rate, 0.001));
  for (std::uint32_t seq = 0; seq < o.messages && c.closed.empty();) {
    const auto due = t0 + std::chrono::duration_cast<Clock::duration>(period * seq);
    const auto now = Clock::now();
    if (now >= due) {
      c.send_blocking(b.make(MsgType::data, seq, now_ns()));
      ++seq;
      continue;
    }
    auto wait = std::chrono::duration_cast<std::chrono::microseconds>(due - now);
    c.net.step(std::min<std::chrono::microseconds>(wait, 1000us));
  }
  std::uint8_t e = 0;
  c.send_blocking(one_byte(MsgType::end, e));
  bool ok = wait_for(
      c.net, [&] { return c.report.has_value() || !c.closed.empty(); }, o.timeout_s);
  if (!ok || !c.report) {
    j["error"] = c.closed.empty() ? "no report from the server in time" : c.closed;
    return j;
  }
  j["p50_ms"] = static_cast<double>(c.report->p50_ns) / 1e6;
  j["p99_ms"] = static_cast<double>(c.report->p99_ns) / 1e6;
  j["max_ms"] = static_cast<double>(c.report->max_ns) / 1e6;
  j["rate"] = o.rate;
  add_report(j, *c.report);
  return j;
}

// Opens `count` connections, at most `concurrency` handshakes at a time. With `hold`
// they stay open, otherwise each closes as soon as it is established.
struct Fleet {
  std::unordered_map<ConnId, Clock::time_point> pending;  // and when each connect began
  std::vector<double> connect_ms;                         // of each connect that succeeded
  std::unordered_set<ConnId> open;
  std::uint32_t ok = 0;
  std::uint32_t failures = 0;
  std::unordered_map<std::string, std::uint32_t> reasons;
};

void run_fleet(Net& net, ClientSide& control, Fleet& f, const RunOptions& o, bool hold) {
  net.events.connected = [&](ConnId id) {
    if (id == control.conn) {
      control.connected = true;
      return;
    }
    auto it = f.pending.find(id);
    if (it == f.pending.end()) return;
    f.connect_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - it->second).count());
    f.pending.erase(it);
    ++f.ok;
    if (hold) {
      f.open.insert(id);
    } else {
      net.close(id);
    }
  };
  net.events.closed = [&](ConnId id, std::string_view why) {
    if (id == control.conn) {
      control.closed = std::string(why);
      return;
    }
    f.open.erase(id);
    if (f.pending.erase(id) != 0) {
      ++f.failures;
      ++f.reasons[std::string(why)];
    }
  };
  std::uint32_t started = 0;
  const auto deadline = Clock::now() + std::chrono::duration<double>(o.timeout_s);
  while (f.ok + f.failures < o.clients && Clock::now() < deadline) {
    while (started < o.clients && f.pending.size() < o.concurrency) {
      ConnId id = net.connect();
      if (id == 0) break;  // no free socket or peer slot right now: retry after a step
      ++started;
      f.pending.emplace(id, Clock::now());
    }
    net.step(500us);
  }
  f.failures += static_cast<std::uint32_t>(f.pending.size());
  if (!f.pending.empty()) f.reasons["timeout"] += static_cast<std::uint32_t>(f.pending.size());
}

nlohmann::json reasons_json(const Fleet& f) {
  nlohmann::json r = nlohmann::json::object();
  for (const auto& [k, v] : f.reasons) r[k] = v;
  return r;
}

// connect_ms_p50, connect_ms_p99, connect_ms_max: the time from connect() to the
// connection being established, over the connects that succeeded (nearest rank).
void add_connect_times(nlohmann::json& j, std::vector<double> ms) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  auto rank = [&](double q) {
    auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ms.size())));
    return ms[std::clamp<std::size_t>(i, 1, ms.size()) - 1];
  };
  j["connect_ms_p50"] = rank(0.50);
  j["connect_ms_p99"] = rank(0.99);
  j["connect_ms_max"] = ms.back();
}

nlohmann::json run_connect(Net& net, const RunOptions& o) {
  nlohmann::json j;
  ClientSide control(net);
  Fleet f;
  const auto t0 = Clock::now();
  run_fleet(net, control, f, o, false);
  const double elapsed = seconds_since(t0);
  j["clients"] = o.clients;
  j["connects_per_s"] = f.ok / elapsed;
  j["failures"] = f.failures;
  j["failure_reasons"] = reasons_json(f);
  add_connect_times(j, f.connect_ms);
  j["seconds"] = elapsed;
  // Let the closes go out.
  wait_for(
      net, [] { return false; }, 0.3);
  return j;
}

nlohmann::json run_hold(Net& net, const RunOptions& o) {
  nlohmann::json j;
  ClientSide control(net);
  if (!control.open(10)) {
    j["error"] = "control connection failed: " + control.closed;
    return j;
  }
  wait_for(
      net, [] { return false; }, 0.5);
  auto before = control.query_rss(10);
  Fleet f;
  const auto t0 = Clock::now();
  run_fleet(net, control, f, o, true);
  const double elapsed = seconds_since(t0);
  // Idle for a moment so the server has settled (keepalives, freed handshake state).
  wait_for(
      net, [] { return false; }, 2.0);
  auto with = control.query_rss(10);
  j["clients"] = o.clients;
  j["established"] = f.open.size();
  j["failures"] = f.failures;
  j["failure_reasons"] = reasons_json(f);
  j["connects_per_s"] = f.ok / elapsed;
  if (before && with) {
    j["server_rss_before_bytes"] = before->first;
    j["server_rss_bytes"] = with->first;
    j["server_connections"] = with->second;
    if (!f.open.empty() && with->first > before->first)
      j["bytes_per_connection"] = (with->first - before->first) / f.open.size();
  }
  const std::vector<ConnId> ids(f.open.begin(), f.open.end());  // close() may erase
  for (ConnId id : ids) net.close(id);
  wait_for(
      net, [] { return false; }, 1.0);
  return j;
}

// Server-side state of one bench connection.
struct Tracker {
  Workload workload = Workload::stream;
  std::uint32_t expected = 0;
  std::vector<std::uint8_t> seen;
  std::uint32_t unique = 0;
  std::int64_t highest = -1;
  Report report;
  std::vector<std::uint64_t> delays;
  bool reported = false;
};

}  // namespace

std::uint64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

nlohmann::json run_client(Net& net, const RunOptions& o) {
  nlohmann::json j;
  if (o.workload == Workload::connect) {
    j = run_connect(net, o);
  } else if (o.workload == Workload::hold) {
    j = run_hold(net, o);
  } else {
    ClientSide c(net);
    if (!c.open(10)) {
      j["error"] = "connect failed: " + (c.closed.empty() ? std::string("timeout") : c.closed);
    } else if (o.workload == Workload::stream) {
      j = run_stream(c, o);
    } else if (o.workload == Workload::pingpong) {
      j = run_pingpong(c, o);
    } else {
      j = run_paced(c, o);
    }
    if (auto line = net.stats_line(c.conn); !line.empty()) j["connection"] = line;
    if (c.connected) {
      net.close(c.conn);
      wait_for(
          net, [] { return false; }, 0.2);
    }
    j["messages"] = o.messages;
    j["size"] = o.size;
  }
  j["workload"] = std::string(to_string(o.workload));
  j["peer"] = net.name();
  return j;
}

void run_server(Net& net, const std::atomic<bool>& stop) {
  std::unordered_map<ConnId, Tracker> conns;
  std::vector<std::uint8_t> out;
  auto send = [&](ConnId id) {
    while (!net.send(id, out) && !stop) net.step(0us);
  };
  auto send_report = [&](ConnId id, Tracker& t) {
    t.report.received = t.unique + t.report.duplicated;
    t.report.missing = t.expected - std::min(t.unique, t.expected);
    t.report.p50_ns = percentile(t.delays, 0.5);
    t.report.p99_ns = percentile(t.delays, 0.99);
    t.report.max_ns = t.delays.empty() ? 0 : *std::max_element(t.delays.begin(), t.delays.end());
    encode_report(out, t.report);
    send(id);
    t.reported = true;
  };
  net.events.connected = [&](ConnId id) { conns[id] = Tracker{}; };
  net.events.closed = [&](ConnId id, std::string_view) { conns.erase(id); };
  net.events.message = [&](ConnId id, std::span<const std::uint8_t> m) {
    if (m.empty()) return;
    Tracker& t = conns[id];
    switch (static_cast<MsgType>(m[0])) {
      case MsgType::start: {
        Reader r(m.subspan(1));
        std::uint8_t w = 0;
        std::uint32_t n = 0;
        if (!r.u8(w) || !r.u32(n)) return;
        t = Tracker{};
        t.workload = static_cast<Workload>(w);
        t.expected = n;
        t.seen.assign(n, 0);
        if (t.workload == Workload::paced) t.delays.reserve(n);
        break;
      }
      case MsgType::data: {
        const std::uint64_t arrived = t.workload == Workload::paced ? now_ns() : 0;
        auto v = parse_data(m);
        if (!v || !v->intact || v->seq >= t.expected) {
          ++t.report.corrupt;
          return;
        }
        if (t.seen[v->seq]) {
          ++t.report.duplicated;
          return;
        }
        t.seen[v->seq] = 1;
        ++t.unique;
        if (static_cast<std::int64_t>(v->seq) < t.highest) ++t.report.out_of_order;
        t.highest = std::max<std::int64_t>(t.highest, v->seq);
        if (arrived != 0 && arrived > v->sent_ns) t.delays.push_back(arrived - v->sent_ns);
        if (t.workload == Workload::stream && t.unique == t.expected && !t.reported) send_report(id, t);
        break;
      }
      case MsgType::ping: {
        out.assign(m.begin(), m.end());
        out[0] = static_cast<std::uint8_t>(MsgType::pong);
        send(id);
        break;
      }
      case MsgType::end: send_report(id, t); break;
      case MsgType::rss_query: {
        ::malloc_trim(0);  // count live memory, not heap the allocator kept after handshakes
        Writer(out)
            .u8(static_cast<std::uint8_t>(MsgType::rss))
            .u64(resident_bytes())
            .u32(static_cast<std::uint32_t>(conns.size()));
        send(id);
        break;
      }
      default: ++t.report.corrupt; break;
    }
  };
  while (!stop) net.step(50000us);
}

std::string describe(const nlohmann::json& j) {
  std::string s = fmt::format("{} {}:", j.value("peer", "?"), j.value("workload", "?"));
  auto num = [&](const char* key, const char* unit, int prec = 1) {
    if (j.contains(key) && j[key].is_number())
      s += fmt::format(" {}={:.{}f}{}", key, j[key].get<double>(), prec, unit);
  };
  num("msgs_per_s", "", 0);
  num("mb_per_s", "", 1);
  num("p50_us", "", 1);
  num("p99_us", "", 1);
  num("p50_ms", "", 2);
  num("p99_ms", "", 2);
  num("max_ms", "", 2);
  num("connects_per_s", "", 0);
  num("connect_ms_p50", "", 2);
  num("connect_ms_p99", "", 2);
  num("connect_ms_max", "", 2);
  num("bytes_per_connection", "", 0);
  num("server_rss_bytes", "", 0);
  for (const char* k : {"missing", "duplicated", "out_of_order", "corrupt", "failures"})
    if (j.contains(k)) s += fmt::format(" {}={}", k, j[k].dump());
  if (j.contains("error")) s += " error=" + j["error"].get<std::string>();
  if (j.contains("connection")) s += "\n  connection: " + j["connection"].get<std::string>();
  return s;
}

}  // namespace gs::bench
