// The C API (include/gameserver/client.h) over gs::client::Client: each handle owns an
// io_context that runs only inside gs_client_poll(). No exception crosses into C.

// The library defines the functions the header's macros stand in front of.
#define GS_CLIENT_BUILDING 1
#include "gameserver/client.h"

#include "gameserver/game.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include <asio/executor_work_guard.hpp>

#include "client/client.hpp"
#include "common/units.hpp"

struct gs_client {
  asio::io_context io;
  // Keeps poll() waiting for its timeout even before anything is under way.
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<gs::client::Client> client;
  gs_client_callbacks callbacks{};
  gs_state state = GS_STATE_IDLE;
  std::vector<gs_snapshot_entry> entries;
};

namespace {

void write_error(char* error, std::size_t size, const std::string& text) {
  if (!error || size == 0) return;
  std::size_t n = std::min(size - 1, text.size());
  std::memcpy(error, text.data(), n);
  error[n] = '\0';
}

gs_outcome to_c(gs::client::Outcome outcome) {
  using gs::client::Outcome;
  switch (outcome) {
    case Outcome::joined: return GS_OUTCOME_JOINED;
    case Outcome::login_failed: return GS_OUTCOME_LOGIN_FAILED;
    case Outcome::unreachable: return GS_OUTCOME_UNREACHABLE;
    case Outcome::certificate: return GS_OUTCOME_CERTIFICATE;
    case Outcome::refused: return GS_OUTCOME_REFUSED;
    case Outcome::disconnected: return GS_OUTCOME_DISCONNECTED;
    case Outcome::timeout: return GS_OUTCOME_TIMEOUT;
  }
  return GS_OUTCOME_DISCONNECTED;
}

void add_resume_events(gs_client* c, gs::client::ClientEvents& events) {
  events.reconnecting = [c](std::uint32_t attempt) {
    if (c->state != GS_STATE_IN_WORLD && c->state != GS_STATE_RECONNECTING) return;
    c->state = GS_STATE_RECONNECTING;
    if (c->callbacks.on_reconnecting) c->callbacks.on_reconnecting(c->callbacks.user, attempt);
  };
  events.resumed = [c](double ms) {
    if (c->state != GS_STATE_RECONNECTING) return;
    c->state = GS_STATE_IN_WORLD;
    if (c->callbacks.on_resumed) c->callbacks.on_resumed(c->callbacks.user, ms);
  };
  events.message = [c](std::uint8_t lane, std::span<const std::byte> data) {
    static const std::byte empty{};
    if (c->state == GS_STATE_IN_WORLD && c->callbacks.on_message)
      c->callbacks.on_message(c->callbacks.user, lane, data.empty() ? &empty : data.data(), data.size());
  };
  events.status = [c](const gs::protocol::PlayerStatus& s) {
    if (c->state == GS_STATE_IN_WORLD && c->callbacks.on_player_status)
      c->callbacks.on_player_status(c->callbacks.user, s.player_id, s.state != 0 ? 1 : 0);
  };
}

gs::client::ClientEvents make_events(gs_client* c) {
  gs::client::ClientEvents events;
  events.snapshot = [c](const gs::protocol::Snapshot& s) {
    if (c->state != GS_STATE_IN_WORLD || !c->callbacks.on_snapshot) return;
    c->entries.clear();
    for (const auto& p : s.players) c->entries.push_back({p.player_id, p.x, p.y});
    gs_snapshot snapshot{s.tick, c->entries.data(), c->entries.size()};
    c->callbacks.on_snapshot(c->callbacks.user, &snapshot);
  };
  events.chat = [c](const gs::protocol::ChatEvent& e) {
    if (c->state != GS_STATE_IN_WORLD || !c->callbacks.on_chat) return;
    gs_chat chat{e.player_id, e.account.c_str(), e.text.c_str()};
    c->callbacks.on_chat(c->callbacks.user, &chat);
  };
  events.joined = [c](const gs::protocol::PlayerJoined& e) {
    if (c->state == GS_STATE_IN_WORLD && c->callbacks.on_player_joined)
      c->callbacks.on_player_joined(c->callbacks.user, e.player_id, e.account.c_str());
  };
  events.left = [c](const gs::protocol::PlayerLeft& e) {
    if (c->state == GS_STATE_IN_WORLD && c->callbacks.on_player_left)
      c->callbacks.on_player_left(c->callbacks.user, e.player_id, e.reason.c_str());
  };
  events.disconnected = [c](std::string_view reason) {
    if (c->state != GS_STATE_IN_WORLD && c->state != GS_STATE_RECONNECTING) return;
    c->state = GS_STATE_CLOSED;
    if (c->callbacks.on_disconnected) {
      std::string text(reason);
      c->callbacks.on_disconnected(c->callbacks.user, text.c_str());
    }
  };
  add_resume_events(c, events);
  return events;
}

}  // namespace

namespace {

// The caller's struct as this library knows it: what it has, the rest zero.
template <class T>
T known_part(const T* given, std::size_t size) {
  T out{};
  if (given) std::memcpy(&out, given, std::min(size, sizeof(T)));
  return out;
}

}  // namespace

extern "C" {

gs_client* gs_client_create_sized(const gs_client_options* options, size_t options_size, char* error,
                                  size_t error_size) {
  if (!options) return gs_client_create(nullptr, error, error_size);
  const gs_client_options known = known_part(options, options_size);
  return gs_client_create(&known, error, error_size);
}

void gs_client_set_callbacks_sized(gs_client* client, const gs_client_callbacks* callbacks,
                                   size_t callbacks_size) {
  if (!callbacks) return gs_client_set_callbacks(client, nullptr);
  const gs_client_callbacks known = known_part(callbacks, callbacks_size);
  gs_client_set_callbacks(client, &known);
}

gs_client* gs_client_create(const gs_client_options* options, char* error, size_t error_size) {
  try {
    if (!options || !options->gateway) {
      write_error(error, error_size, "no gateway address");
      return nullptr;
    }
    auto gateway = gs::parse_endpoint(options->gateway);
    if (!gateway) {
      write_error(error, error_size,
                  std::string("gateway: expected host:port, found '") + options->gateway + "'");
      return nullptr;
    }
    gs::client::ClientOptions o;
    o.gateway = *gateway;
    o.insecure = options->insecure != 0;
    if (!o.insecure) {
      if (!options->trust_file || !std::filesystem::is_regular_file(options->trust_file)) {
        write_error(error, error_size,
                    options->trust_file ? std::string("cannot read the trust file ") + options->trust_file
                                        : std::string("no trust file (or set insecure)"));
        return nullptr;
      }
      o.trust = options->trust_file;
    }
    if (options->game) o.game = options->game;
    if (o.game.empty() || o.game.size() > gs::protocol::max_name) {
      write_error(error, error_size,
                  "game: expected 1.." + std::to_string(gs::protocol::max_name) + " bytes, found " +
                      std::to_string(o.game.size()));
      return nullptr;
    }
    if (options->timeout_ms) o.timeout = std::chrono::milliseconds(options->timeout_ms);
    if (options->resume_after_ms) o.resume_after = std::chrono::milliseconds(options->resume_after_ms);
    auto c = std::make_unique<gs_client>();
    c->client = std::make_unique<gs::client::Client>(c->io, std::move(o));
    c->client->set_events(make_events(c.get()));
    return c.release();
  } catch (const std::exception& e) {
    write_error(error, error_size, e.what());
  } catch (...) {
    write_error(error, error_size, "unknown error");
  }
  return nullptr;
}

void gs_client_set_callbacks(gs_client* client, const gs_client_callbacks* callbacks) {
  if (!client) return;
  client->callbacks = callbacks ? *callbacks : gs_client_callbacks{};
}

int gs_client_set_server_name(gs_client* client, const char* name) {
  if (!client || !name || client->state != GS_STATE_IDLE) return -1;
  std::size_t length = std::strlen(name);
  if (length == 0 || length > 253) return -1;
  try {
    client->client->set_server_name(std::string(name, length));
    return 0;
  } catch (...) {
    return -1;
  }
}

int gs_client_login_and_join(gs_client* client, const char* user, const char* password, const char* world) {
  if (!client || !user || !password || client->state != GS_STATE_IDLE) return -1;
  if (gs::client::Client::login_fields_error(user, password, world ? world : "")) return -1;
  try {
    client->state = GS_STATE_LOGGING_IN;
    client->client->login_and_join(
        user, password,
        [client](const gs::client::FlowResult& r) {
          if (client->state != GS_STATE_LOGGING_IN) return;  // closed meanwhile
          client->state = r.outcome == gs::client::Outcome::joined ? GS_STATE_IN_WORLD : GS_STATE_FAILED;
          if (!client->callbacks.on_login) return;
          gs_login_result result{
              to_c(r.outcome), r.reason.c_str(), r.world_id.c_str(), r.world_address.c_str(),
              r.player_id,     r.login_ms,       r.join_ms};
          client->callbacks.on_login(client->callbacks.user, &result);
        },
        world ? world : "");
    return 0;
  } catch (...) {
    client->state = GS_STATE_FAILED;
    return -1;
  }
}

int gs_client_poll(gs_client* client, uint32_t timeout_ms) {
  if (!client) return -1;
  try {
    if (client->io.stopped()) client->io.restart();
    std::size_t n = timeout_ms ? client->io.run_one_for(std::chrono::milliseconds(timeout_ms)) : 0;
    n += client->io.poll();
    return static_cast<int>(std::min<std::size_t>(n, INT32_MAX));
  } catch (...) {
    return -1;
  }
}

gs_state gs_client_state(const gs_client* client) { return client ? client->state : GS_STATE_CLOSED; }

int gs_client_send(gs_client* client, uint8_t lane, const void* data, size_t size) {
  if (!client || client->state != GS_STATE_IN_WORLD || (!data && size != 0)) return -1;
  if (lane < GS_LANE_RELIABLE || lane > GS_LANE_UNRELIABLE || size > GS_GAME_MAX_MESSAGE) return -1;
  try {
    return client->client->send(lane, {static_cast<const std::byte*>(data), size}) ? 0 : -2;
  } catch (...) {
    return -1;
  }
}

int gs_client_send_input(gs_client* client, int32_t move_x, int32_t move_y) {
  if (!client || client->state != GS_STATE_IN_WORLD) return -1;
  if (move_x < -100 || move_x > 100 || move_y < -100 || move_y > 100) return -1;
  try {
    return client->client->send_input(move_x, move_y) ? 0 : -1;
  } catch (...) {
    return -1;
  }
}

int gs_client_send_chat(gs_client* client, const char* text) {
  if (!client || !text || client->state != GS_STATE_IN_WORLD) return -1;
  std::size_t length = std::strlen(text);
  if (length == 0 || length > gs::protocol::max_chat) return -1;
  try {
    return client->client->send_chat({text, length}) ? 0 : -1;
  } catch (...) {
    return -1;
  }
}

double gs_client_rtt_ms(const gs_client* client) {
  if (!client || client->state != GS_STATE_IN_WORLD) return 0;
  return client->client->rtt_ms();
}

int gs_client_traffic(const gs_client* client, gs_traffic* out) {
  if (!client || !out) return -1;
  auto t = client->state == GS_STATE_IN_WORLD ? client->client->world_traffic() : gs::client::TrafficStats{};
  *out = {t.bytes_sent, t.bytes_received, t.packets_sent, t.packets_received};
  return 0;
}

void gs_client_close(gs_client* client) {
  if (!client) return;
  // CLOSED first: whatever close() sets off, no callback reaches the caller.
  const gs_state was = client->state;
  client->state = GS_STATE_CLOSED;
  try {
    if (was == GS_STATE_IN_WORLD || was == GS_STATE_LOGGING_IN || was == GS_STATE_RECONNECTING)
      client->client->close();
  } catch (...) {
  }
}

void gs_client_destroy(gs_client* client) {
  if (!client) return;
  try {
    client->client.reset();
  } catch (...) {
  }
  delete client;
}

const char* gs_outcome_name(gs_outcome outcome) {
  switch (outcome) {
    case GS_OUTCOME_JOINED: return "joined";
    case GS_OUTCOME_LOGIN_FAILED: return "login_failed";
    case GS_OUTCOME_UNREACHABLE: return "unreachable";
    case GS_OUTCOME_CERTIFICATE: return "certificate";
    case GS_OUTCOME_REFUSED: return "refused";
    case GS_OUTCOME_DISCONNECTED: return "disconnected";
    case GS_OUTCOME_TIMEOUT: return "timeout";
  }
  return "unknown";
}

}  // extern "C"
