#pragma once
// The config schema, written once: each function lists a section's keys with their
// units and ranges. `V` is a Reader (YAML into structs) or a Printer (structs back
// to YAML), so reading, printing and the defaults in config.hpp cannot drift apart.
// The README's config reference mirrors this file.

#include <array>
#include <chrono>
#include <string_view>
#include <utility>

#include "config/config.hpp"
#include "crypto/token.hpp"

namespace gs::config {

inline constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 7> log_level_names{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},
    {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
}};

inline constexpr std::array<std::pair<std::string_view, LogFormat>, 2> log_format_names{{
    {"text", LogFormat::text},
    {"json", LogFormat::json},
}};

template <class V, class C>
void visit_log(V& v, C& c) {
  v.choice("level", c.level, log_level_names);
  v.choice("format", c.format, log_format_names);
}

template <class V, class C>
void visit_admin(V& v, C& c) {
  v.endpoint("listen", c.listen);
}

template <class V, class C>
void visit_workers(V& v, C& c) {
  v.count("threads", c.threads, 0, 256);
}

template <class V, class C>
void visit_event_loop(V& v, C& c) {
  v.duration("busy_poll", c.busy_poll, 0us, EventLoopConfig::busy_poll_max);
}

template <class V, class C>
void visit_lane(V& v, C& c) {
  v.count("priority", c.priority, channel::knobs::lane_priority);
  v.count("weight", c.weight, channel::knobs::lane_weight);
}

template <class V, class C>
void visit_lanes(V& v, C& c) {
  v.section("control", [&](V& s) { visit_lane(s, c.control); });
  v.section("reliable", [&](V& s) { visit_lane(s, c.reliable); });
  v.section("unordered", [&](V& s) { visit_lane(s, c.unordered); });
  v.section("sequenced", [&](V& s) { visit_lane(s, c.sequenced); });
  v.section("unreliable", [&](V& s) { visit_lane(s, c.unreliable); });
}

// Keys read with a layer's Knob take its range; their defaults come from it too
// (config.hpp). Key names are the config file's, which may differ from the knob's.
template <class V, class C>
void visit_channel(V& v, C& c) {
  namespace knobs = channel::knobs;
  v.size("max_datagram", c.max_datagram, knobs::max_datagram);
  v.size("max_message", c.max_message, knobs::max_message);
  v.duration("keepalive", c.keepalive, knobs::keepalive_interval);
  v.duration("timeout", c.timeout, knobs::timeout);
  v.duration("link_timeout", c.link_timeout, peers::knobs::link_timeout);
  v.duration("min_rto", c.min_rto, knobs::min_rto);
  v.duration("initial_rtt", c.initial_rtt, knobs::initial_rtt);
  v.duration("max_ack_delay", c.max_ack_delay, knobs::max_ack_delay);
  v.size("reassembly_cap", c.reassembly_cap, knobs::reassembly_cap);
  v.size("reassembly_total", c.reassembly_total, knobs::reassembly_total);
  v.size("send_queue_cap", c.send_queue_cap, knobs::send_queue_cap);
  v.size("max_send_rate", c.max_send_rate, knobs::max_send_rate);
  v.duration("fragment_timeout", c.fragment_timeout, knobs::fragment_timeout);
  v.section("lanes", [&](V& lanes) { visit_lanes(lanes, c.lanes); });
}

template <class V, class C>
void visit_per_source(V& v, C& c) {
  v.count("max_half_open", c.max_half_open, dtls::knobs::max_half_open_per_source);
  v.count("max_unauthenticated", c.max_unauthenticated, peers::knobs::max_unauthenticated_per_source);
}

template <class V, class C>
void visit_session(V& v, C& c) {
  v.duration("auth_timeout", c.auth_timeout, session::knobs::auth_timeout);
  v.count("max_bad_messages", c.max_bad_messages, session::knobs::max_bad_messages);
}

template <class V, class C>
void visit_tls(V& v, C& c) {
  v.path("certificate", c.certificate);
  v.path("private_key", c.private_key);
  v.path("trust", c.trust);
  v.string("server_name", c.server_name, 0, 253);
  v.count("max_half_open", c.max_half_open, dtls::knobs::max_half_open);
  v.duration("handshake_timeout", c.handshake_timeout, dtls::knobs::handshake_timeout);
  v.duration("cookie_rotation", c.cookie_rotation, dtls::knobs::cookie_rotation);
  v.duration("retransmit_initial", c.retransmit_initial, dtls::knobs::retransmit_initial);
  v.duration("retransmit_max", c.retransmit_max, dtls::knobs::retransmit_max);
}

inline constexpr std::array<std::pair<std::string_view, AccountBackend>, 2> account_backend_names{{
    {"sqlite", AccountBackend::sqlite},
    {"postgres", AccountBackend::postgres},
}};

template <class V, class C>
void visit_postgres(V& v, C& c) {
  v.string("conninfo", c.conninfo, 0, 4096);
  v.optional_path("password_file", c.password_file);
}

template <class V, class C>
void visit_link_peer(V& v, C& c) {
  v.string("role", c.role, 1, 64);
  v.string("id", c.id, 1, 64);
  v.path("secret", c.secret);
}

template <class V, class C>
void visit_auth(V& v, C& c) {
  v.endpoint("listen", c.listen);
  v.choice("account_store", c.account_store, account_backend_names);
  v.path("database", c.database);
  v.section("postgres", [&](V& s) { visit_postgres(s, c.postgres); });
  v.string("id", c.id, 1, 64);
  v.path("token_key", c.token_key);
  v.duration("token_ttl", c.token_ttl, 1s, crypto::max_token_lifetime);
  v.count("password_ops_limit", c.password_ops_limit, 1, 16);
  v.size("password_memory", c.password_memory, 8192, 1ULL << 30);
  v.count("max_failures_per_account", c.max_failures_per_account, 1, 1000);
  v.count("max_failures_per_account_total", c.max_failures_per_account_total, 1, 100'000);
  v.count("max_failures_per_address", c.max_failures_per_address, 1, 100'000);
  v.duration("failure_window", c.failure_window, 1s, 24h);
  v.duration("known_address_ttl", c.known_address_ttl, 1h, 8760h);
  v.count("throttle_prefix_v4", c.throttle_prefix_v4, 8, 32);
  v.count("throttle_prefix_v6", c.throttle_prefix_v6, 16, 128);
  v.count("max_hashes_in_flight", c.max_hashes_in_flight, 1, 256);
  v.count("max_hashes_per_address", c.max_hashes_per_address, 1, 256);
  v.count("max_hashes_per_gateway", c.max_hashes_per_gateway, 0, 256);
  v.duration("world_timeout", c.world_timeout, 1s, 10min);
  v.objects("peers", c.peers, [](V& s, auto& peer) { visit_link_peer(s, peer); });
}

template <class V, class C>
void visit_gateway(V& v, C& c) {
  v.string("id", c.id, 1, 64);
  v.endpoint("listen", c.listen);
  v.endpoint_list("auth", c.auth, 1, 8);
  v.path("auth_secret", c.auth_secret);
  v.count("max_clients", c.max_clients, dtls::knobs::max_peers);
  v.count("max_clients_per_address", c.max_clients_per_address, 1, 100'000);
  v.duration("login_timeout", c.login_timeout, 1s, 10min);
}

template <class V, class C>
void visit_world_rate_limit(V& v, C& c) {
  v.count("input_per_s", c.input_per_s, 1, 10'000);
  v.count("input_burst", c.input_burst, 1, 100'000);
  v.count("kick_drops", c.kick_drops, 1, 1'000'000);
  v.duration("kick_window", c.kick_window, 1s, 10min);
}

template <class V, class C>
void visit_world(V& v, C& c) {
  v.string("id", c.id, 1, 64);
  v.endpoint("listen", c.listen);
  v.endpoint("public_address", c.public_address);
  v.endpoint_list("auth", c.auth, 1, 8);
  v.path("auth_secret", c.auth_secret);
  v.path_list("token_keys", c.token_keys);
  v.duration("token_leeway", c.token_leeway, 0s, 60s);
  v.name_list("token_issuers", c.token_issuers, 1, 8, 64);
  v.count("capacity", c.capacity, 1, 100'000);
  v.count("tick_rate", c.tick_rate, 1, 240);
  v.duration("report_interval", c.report_interval, 100ms, 60s);
  v.duration("resume_grace", c.resume_grace, 0s, 10min);
  v.count("resume_backlog", c.resume_backlog, 16, 65536);
  v.section("rate_limit", [&](V& s) { visit_world_rate_limit(s, c.rate_limit); });
  v.section("game", [&](V& s) {
    s.optional_path("module", c.game.module);
    s.game_settings("settings", c.game.settings);
  });
}

// The whole file. Sections may be left out; their defaults apply.
template <class V, class C>
void visit_config(V& v, C& c) {
  v.string_list("roles", c.roles);
  v.string("game", c.game, 1, 64);
  v.boolean("development", c.development);
  v.section("log", [&](V& s) { visit_log(s, c.log); });
  v.section("admin", [&](V& s) { visit_admin(s, c.admin); });
  v.section("workers", [&](V& s) { visit_workers(s, c.workers); });
  v.section("event_loop", [&](V& s) { visit_event_loop(s, c.event_loop); });
  v.section("tls", [&](V& s) { visit_tls(s, c.tls); });
  v.section("channel", [&](V& s) { visit_channel(s, c.channel); });
  v.section("per_source", [&](V& s) { visit_per_source(s, c.per_source); });
  v.section("session", [&](V& s) { visit_session(s, c.session); });
  v.section("auth", [&](V& s) { visit_auth(s, c.auth); });
  v.section("gateway", [&](V& s) { visit_gateway(s, c.gateway); });
  v.section("world", [&](V& s) { visit_world(s, c.world); });
}

}  // namespace gs::config
