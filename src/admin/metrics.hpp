#pragma once
// What the admin endpoint asks of whatever has something to report (each role):
// its metrics, written into a MetricsWriter, and whether it is ready to serve.
// Both are called on the event loop thread, never from the HTTP thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gs::admin {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Collects samples into metric families and renders the Prometheus text exposition
// format (version 0.0.4). Several sources may add samples to one family (each role
// with its own `role` label); the family is written once, HELP and TYPE first.
class MetricsWriter {
 public:
  // A monotonically increasing count; `name` ends in `_total`.
  void counter(std::string_view name, std::string_view help, double value, Labels labels = {});
  // A value that goes up and down; `name` does not end in `_total`.
  void gauge(std::string_view name, std::string_view help, double value, Labels labels = {});

  // Labels added to every sample written after this call, e.g. {"role", "gateway"}.
  void set_common_labels(Labels labels) { common_ = std::move(labels); }

  // The exposition text: families in the order they were first written.
  std::string text() const;

 private:
  struct Family {
    std::string help;
    std::string type;
    std::vector<std::pair<Labels, double>> samples;
  };
  void add(std::string_view name, std::string_view type, std::string_view help, double value, Labels labels);

  Labels common_;
  std::vector<std::string> order_;
  std::map<std::string, Family, std::less<>> families_;
};

struct Health {
  bool ready = false;
  std::string detail;  // what is missing when not ready, e.g. "gateway: auth link down"
};

class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  virtual void collect(MetricsWriter& out) = 0;
  virtual Health health() const = 0;
};

// Seconds as Prometheus wants them, from any std::chrono duration.
template <class Duration>
double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace gs::admin
