#include "admin/runtime_metrics.hpp"

namespace gs::admin {

void add_runtime_metrics(AdminServer& admin, const Runtime& runtime) {
  admin.add_process_metrics([&runtime](MetricsWriter& out) {
    const auto& loop = runtime.loop();
    const auto& stats = loop.stats();
    out.counter("gameserver_event_loop_idle_total",
                "Times the event loop ran out of ready work (then polled, slept, or both)",
                static_cast<double>(stats.idle_periods));
    out.counter("gameserver_event_loop_busy_poll_hits_total",
                "Idle periods ended by busy polling, without sleeping",
                static_cast<double>(stats.found_by_polling));
    out.counter("gameserver_event_loop_busy_poll_seconds_total",
                "Time the event loop spent busy polling (CPU time), whether it found work or not",
                seconds(stats.polled));
    out.gauge("gameserver_event_loop_busy_poll_window_seconds",
              "How long the loop now polls once idle (adapts between 0 and event_loop.busy_poll)",
              seconds(loop.window().window()));
  });
}

}  // namespace gs::admin
