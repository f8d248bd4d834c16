// The channel settings of links between roles (gateway or world to auth).
#include <doctest/doctest.h>

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

TEST_CASE("channel.reassembly_total reaches every Host's channel settings, never below one connection's cap") {
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
