/* A module that calls every host function with bad arguments from its start and logs
 * each result as one line "CASE=RESULT" (the test reads them back from the log). The host
 * must answer each with its gs_result and never crash. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gameserver/game.h"

static gs_host* host_;
static const gs_host_api* api_;

static void report(const char* name, long long result) {
  char line[128];
  snprintf(line, sizeof line, "%s=%lld", name, result);
  api_->log(host_, GS_LOG_INFO, line);
}

static void sends(void) {
  static char big[8];
  report("send_null_host", api_->send(NULL, 1, GS_LANE_RELIABLE, "x", 1));
  report("send_lane0", api_->send(host_, 1, (gs_lane)0, "x", 1));
  report("send_lane5", api_->send(host_, 1, (gs_lane)5, "x", 1));
  report("send_oversize", api_->send(host_, 1, GS_LANE_RELIABLE, big, GS_GAME_MAX_MESSAGE + 1));
  report("send_null_data", api_->send(host_, 1, GS_LANE_RELIABLE, NULL, 5));
  report("send_empty", api_->send(host_, 1, GS_LANE_RELIABLE, NULL, 0));
  report("broadcast_null_host", api_->broadcast(NULL, GS_LANE_RELIABLE, "x", 1, 0));
  report("broadcast_lane0", api_->broadcast(host_, (gs_lane)0, "x", 1, 0));
  report("broadcast_lane5", api_->broadcast(host_, (gs_lane)5, "x", 1, 0));
  report("broadcast_oversize", api_->broadcast(host_, GS_LANE_UNRELIABLE, big, GS_GAME_MAX_MESSAGE + 1, 0));
  report("broadcast_null_data", api_->broadcast(host_, GS_LANE_UNRELIABLE, NULL, 3, 0));
}

static void kicks_and_stats(void) {
  gs_player_stats stats;
  report("kick_null_host", api_->kick(NULL, 1, "bye"));
  report("kick_null_reason", api_->kick(host_, 1, NULL));
  report("kick_empty_reason", api_->kick(host_, 1, ""));
  report("kick_long_reason", api_->kick(host_, 1, "123456789012345678901234567890123"));
  report("kick_newline_reason", api_->kick(host_, 1, "bad\nreason"));
  report("kick_utf8_reason", api_->kick(host_, 1, "caf\xc3\xa9"));
  report("kick_32_reason", api_->kick(host_, 1, "12345678901234567890123456789012"));
  report("stats_null_out", api_->player_stats(host_, 1, NULL));
  report("stats_null_host", api_->player_stats(NULL, 1, &stats));
}

static void timers(void) {
  report("timer_start_null_host", (long long)api_->timer_start(NULL, 10, 0, NULL));
  report("timer_cancel_zero", api_->timer_cancel(host_, 0));
  report("timer_cancel_unknown", api_->timer_cancel(host_, 987654321));
  report("timer_cancel_null_host", api_->timer_cancel(NULL, 1));
}

static void metrics(void) {
  char name[80];
  int i, ok = 0, result = GS_OK;
  report("counter_null_host", api_->counter_add(NULL, "a", 1));
  report("counter_null_name", api_->counter_add(host_, NULL, 1));
  report("counter_empty_name", api_->counter_add(host_, "", 1));
  report("counter_upper_name", api_->counter_add(host_, "Bad", 1));
  report("counter_digit_first", api_->counter_add(host_, "1a", 1));
  report("counter_dash_name", api_->counter_add(host_, "a-b", 1));
  report("counter_long_name",
         api_->counter_add(host_, "a1234567890123456789012345678901234567890123456789012345678901234", 1));
  report("counter_64_name",
         api_->counter_add(host_, "a123456789012345678901234567890123456789012345678901234567890123", 1));
  report("counter_total_suffix", api_->counter_add(host_, "kills_total", 1));
  report("counter_reserved", api_->counter_add(host_, "callback_errors", 1));
  report("counter_negative", api_->counter_add(host_, "kills", -1));
  report("counter_nan", api_->counter_add(host_, "kills", NAN));
  report("counter_ok", api_->counter_add(host_, "kills", 2));
  report("gauge_on_counter", api_->gauge_set(host_, "kills", 1));
  report("gauge_ok", api_->gauge_set(host_, "level", -3));
  report("counter_on_gauge", api_->counter_add(host_, "level", 1));
  report("gauge_infinite", api_->gauge_set(host_, "level", INFINITY));
  report("gauge_null_host", api_->gauge_set(NULL, "level", 1));
  /* Three names are in use: fill up to the limit, then one more. */
  for (i = 0; i < 300 && result == GS_OK; ++i) {
    snprintf(name, sizeof name, "m%d", i);
    result = api_->gauge_set(host_, name, i);
    if (result == GS_OK) ++ok;
  }
  report("metric_names_added", ok);
  report("metric_over_limit", result);
  report("metric_existing_after_limit", api_->gauge_set(host_, "level", 4));
}

static void others(void) {
  report("setting_null_key", api_->setting(host_, NULL) == NULL);
  report("setting_null_host", api_->setting(NULL, "a") == NULL);
  report("now_null_host", (long long)api_->now_ms(NULL));
  api_->log(NULL, GS_LOG_INFO, "not logged");
  api_->log(host_, GS_LOG_INFO, NULL);
  api_->log(host_, (gs_log_level)99, "level99");
}

static int start(gs_host* host, const gs_host_api* api, const gs_setting* settings, size_t settings_count,
                 void** game, char* error, size_t error_size) {
  (void)settings, (void)settings_count, (void)error, (void)error_size;
  host_ = host;
  api_ = api;
  sends();
  kicks_and_stats();
  timers();
  metrics();
  others();
  report("done", 1);
  *game = NULL;
  return 0;
}

static const gs_game_module module = {GS_GAME_ABI_VERSION,
                                      sizeof(gs_game_module),
                                      "bad_args",
                                      "1",
                                      start,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL};

const gs_game_module* gs_game_module_v1(void) { return &module; }
