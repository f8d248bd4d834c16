// The channel settings of links between roles (gateway or world to auth).
#include <doctest/doctest.h>

#include "protocol/messages.hpp"

#include "channel/config.hpp"
#include "config/config.hpp"
#include "peers/peer_host.hpp"

using namespace std::chrono_literals;

TEST_CASE("a link between roles goes silent after link_timeout, players after timeout") {
  gs::config::ChannelSettings settings;  // defaults: timeout 10 s, link_timeout 3 s, keepalive 1 s
  const auto player = gs::peers::channel_config(settings);
  const auto link = gs::peers::link_channel_config(settings);
  CHECK(player.timeout == 10s);
  CHECK(link.timeout == 3s);
  CHECK(link.keepalive_interval <= 750ms);  // an idle link is pinged often enough to look alive
  CHECK(gs::channel::validate(link).empty());
  CHECK(link.lanes.size() == player.lanes.size());  // same wire protocol otherwise

  settings.link_timeout = 1s;
  settings.keepalive = 5s;
  const auto tight = gs::peers::link_channel_config(settings);
  CHECK(tight.timeout == 1s);
  CHECK(tight.keepalive_interval == 250ms);
  CHECK(gs::channel::validate(tight).empty());
}

TEST_CASE(
    "channel.reassembly_total reaches every Host's channel settings, never below one connection's cap") {
  gs::config::ChannelSettings settings;
  settings.reassembly_total = 256u << 20;
  CHECK(gs::peers::channel_config(settings).reassembly_total == 256u << 20);
  CHECK(gs::peers::link_channel_config(settings).reassembly_total == 256u << 20);
  settings.max_message = 32u << 20;  // the per-connection cap follows max_message up
  settings.reassembly_total = 16u << 20;
  const auto c = gs::peers::channel_config(settings);
  CHECK(c.reassembly_total == c.reassembly_cap);
  CHECK(gs::channel::validate(c).empty());
}

TEST_CASE("every channel setting of the config reaches the channel; the caps never below max_message") {
  gs::config::ChannelSettings settings;
  settings.min_rto = 50ms;
  settings.initial_rtt = 200ms;
  settings.max_ack_delay = 10ms;
  settings.reassembly_cap = 4u << 20;
  settings.send_queue_cap = 2u << 20;
  settings.max_send_rate = 1u << 20;
  settings.fragment_timeout = 2s;
  for (const auto& c : {gs::peers::channel_config(settings), gs::peers::link_channel_config(settings)}) {
    CHECK(c.min_rto == 50ms);
    CHECK(c.initial_rtt == 200ms);
    CHECK(c.max_ack_delay == 10ms);
    CHECK(c.reassembly_cap == 4u << 20);
    CHECK(c.send_queue_cap == 2u << 20);
    CHECK(c.max_send_rate == 1u << 20);
    CHECK(c.fragment_timeout == 2s);
    CHECK(gs::channel::validate(c).empty());
  }
  settings.max_message = 8u << 20;
  const auto raised = gs::peers::channel_config(settings);
  CHECK(raised.reassembly_cap == 8u << 20);
  CHECK(raised.send_queue_cap == 8u << 20);
  CHECK(gs::channel::validate(raised).empty());
}

TEST_CASE("the session settings of the config reach every session") {
  gs::config::SessionSettings settings;
  CHECK(gs::peers::session_config(settings).auth_timeout == gs::session::SessionConfig{}.auth_timeout);
  settings.auth_timeout = 12s;
  settings.max_bad_messages = 3;
  const auto c = gs::peers::session_config(settings);
  CHECK(c.auth_timeout == 12s);
  CHECK(c.max_bad_messages == 3u);
}

TEST_CASE("channel.lanes: priority and weight reach the lanes, their kinds stay the protocol's") {
  using gs::channel::LaneKind;
  gs::config::ChannelSettings settings;
  const auto defaults = gs::peers::channel_config(settings);
  REQUIRE(defaults.lanes.size() == gs::protocol::lane_count);
  // protocol::Lane's table: control, then the game's four kinds (game.h, gs_lane).
  const LaneKind kinds[] = {LaneKind::reliable_ordered, LaneKind::reliable_ordered,
                            LaneKind::reliable_unordered, LaneKind::unreliable_sequenced,
                            LaneKind::unreliable};
  for (std::size_t i = 0; i < defaults.lanes.size(); ++i) CHECK(defaults.lanes[i].kind == kinds[i]);
  CHECK(defaults.lanes[gs::protocol::lane_sequenced].priority == 1);
  CHECK(defaults.lanes[gs::protocol::lane_reliable].priority == 0);
  settings.lanes.sequenced = {3, 7};
  const auto c = gs::peers::link_channel_config(settings);
  CHECK(c.lanes[gs::protocol::lane_sequenced].kind == LaneKind::unreliable_sequenced);
  CHECK(c.lanes[gs::protocol::lane_sequenced].priority == 3);
  CHECK(c.lanes[gs::protocol::lane_sequenced].weight == 7);
  CHECK(c.lanes[0].kind == defaults.lanes[0].kind);
  CHECK(gs::channel::validate(c).empty());
}
