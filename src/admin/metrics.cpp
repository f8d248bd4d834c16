#include "admin/metrics.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace gs::admin {
namespace {

bool valid_name(std::string_view name, bool colons) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons && c == ':');
    bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

void escape(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

}  // namespace

void MetricsWriter::counter(std::string_view name, std::string_view help, double value, Labels labels) {
  if (!name.ends_with("_total")) throw std::logic_error(fmt::format("counter {} must end in _total", name));
  add(name, "counter", help, value, std::move(labels));
}

void MetricsWriter::gauge(std::string_view name, std::string_view help, double value, Labels labels) {
  if (name.ends_with("_total")) throw std::logic_error(fmt::format("gauge {} must not end in _total", name));
  add(name, "gauge", help, value, std::move(labels));
}

void MetricsWriter::add(std::string_view name, std::string_view type, std::string_view help, double value,
                        Labels labels) {
  if (!valid_name(name, true)) throw std::logic_error(fmt::format("bad metric name '{}'", name));
  Labels all = common_;
  for (auto& label : labels) all.push_back(std::move(label));
  for (const auto& [key, _] : all)
    if (!valid_name(key, false) || key.starts_with("__"))
      throw std::logic_error(fmt::format("bad label name '{}' on {}", key, name));
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{std::string(help), std::string(type), {}}).first;
    order_.emplace_back(name);
  } else if (it->second.type != type) {
    throw std::logic_error(fmt::format("metric {} written as {} and {}", name, it->second.type, type));
  }
  it->second.samples.emplace_back(std::move(all), value);
}

std::string MetricsWriter::text() const {
  std::string out;
  for (const auto& name : order_) {
    const Family& family = families_.find(name)->second;
    out += "# HELP " + name + ' ';
    escape(out, family.help, false);
    out += "\n# TYPE " + name + ' ' + family.type + '\n';
    for (const auto& [labels, value] : family.samples) {
      out += name;
      if (!labels.empty()) {
        out += '{';
        for (std::size_t i = 0; i < labels.size(); ++i) {
          if (i > 0) out += ',';
          out += labels[i].first + "=\"";
          escape(out, labels[i].second, true);
          out += '"';
        }
        out += '}';
      }
      out += ' ' + format_value(value) + '\n';
    }
  }
  return out;
}

}  // namespace gs::admin
