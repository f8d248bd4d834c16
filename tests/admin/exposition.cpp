#include "exposition.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <vector>

#include "admin/http_get.hpp"

namespace gs::test {
namespace {

bool name_char(char c, bool first, bool colon) {
  bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
  return letter || (!first && c >= '0' && c <= '9');
}

struct Cursor {
  const std::string& s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  std::string name(bool colon) {
    std::size_t start = i;
    while (!done() && name_char(s[i], i == start, colon)) ++i;
    if (i == start) throw std::runtime_error("expected a name at column " + std::to_string(start + 1));
    return s.substr(start, i - start);
  }
  void expect(char c) {
    if (peek() != c)
      throw std::runtime_error(std::string("expected '") + c + "' at column " + std::to_string(i + 1));
    ++i;
  }
  std::string until_end() {
    auto rest = s.substr(i);
    i = s.size();
    return rest;
  }
};

double parse_value(const std::string& text) {
  if (text == "NaN") return NAN;
  if (text == "+Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  if (text.empty()) throw std::runtime_error("missing value");
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  // strtod also takes "inf", "nan" and hex: the format does not.
  for (char c : text)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || c == '+' ||
          c == '-'))
      throw std::runtime_error("bad value '" + text + "'");
  if (end != text.c_str() + text.size()) throw std::runtime_error("bad value '" + text + "'");
  return v;
}

std::string unescape_help(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) throw std::runtime_error("dangling backslash in HELP");
    if (text[i] == '\\')
      out += '\\';
    else if (text[i] == 'n')
      out += '\n';
    else
      throw std::runtime_error("bad escape in HELP");
  }
  return out;
}

}  // namespace

std::string key(const std::string& name, std::map<std::string, std::string> labels) {
  std::string out = name;
  if (labels.empty()) return out;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + v + '"';
  }
  return out + '}';
}

namespace {

std::string label_value(Cursor& c) {
  std::string value;
  for (;;) {
    if (c.done()) throw std::runtime_error("unterminated label value");
    char ch = c.s[c.i++];
    if (ch == '"') return value;
    if (ch != '\\') {
      value += ch;
      continue;
    }
    char esc = c.peek();
    ++c.i;
    if (esc == '\\')
      value += '\\';
    else if (esc == '"')
      value += '"';
    else if (esc == 'n')
      value += '\n';
    else
      throw std::runtime_error("bad escape in label value");
  }
}

// The {a="x",b="y"} after a sample's name, or nothing.
std::map<std::string, std::string> read_labels(Cursor& c) {
  std::map<std::string, std::string> labels;
  if (c.peek() != '{') return labels;
  ++c.i;
  while (c.peek() != '}') {
    auto label = c.name(false);
    c.expect('=');
    c.expect('"');
    auto value = label_value(c);
    if (!labels.emplace(label, value).second) throw std::runtime_error("label " + label + " twice");
    if (c.peek() == ',')
      ++c.i;
    else if (c.peek() != '}')
      throw std::runtime_error("expected ',' or '}'");
  }
  ++c.i;
  return labels;
}

// Reads the text line by line; a family's HELP, TYPE and samples must stay together.
class ExpositionParser {
 public:
  void line(const std::string& line) {
    if (line.empty()) throw std::runtime_error("empty line");
    Cursor c{line};
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) return metadata(c, line[2] == 'H');
    if (line[0] == '#') throw std::runtime_error("comment lines other than HELP and TYPE are not expected");
    sample(c);
  }

  Exposition take() { return std::move(e_); }

 private:
  void metadata(Cursor& c, bool is_help) {
    c.i = 7;
    auto name = c.name(true);
    if (c.peek() != ' ') throw std::runtime_error("expected a space after the name");
    ++c.i;
    auto rest = c.until_end();
    enter_family(name);
    if (is_help) {
      if (e_.help.count(name)) throw std::runtime_error("second HELP for " + name);
      e_.help[name] = unescape_help(rest);
      return;
    }
    if (e_.types.count(name)) throw std::runtime_error("second TYPE for " + name);
    static const std::set<std::string> kinds{"counter", "gauge", "histogram", "summary", "untyped"};
    if (!kinds.count(rest)) throw std::runtime_error("unknown type '" + rest + "'");
    if (rest == "counter" && !name.ends_with("_total"))
      throw std::runtime_error("counter " + name + " lacks _total");
    e_.types[name] = rest;
  }

  void enter_family(const std::string& name) {
    if (name == current_) return;
    if (!current_.empty()) finished_.insert(current_);
    if (finished_.count(name)) throw std::runtime_error(name + " appears in two places");
    current_ = name;
  }

  void sample(Cursor& c) {
    auto name = c.name(true);
    if (name != current_) throw std::runtime_error("sample of " + name + " outside its family");
    if (!e_.types.count(name)) throw std::runtime_error("sample of " + name + " before its TYPE");
    auto labels = read_labels(c);
    c.expect(' ');
    auto rest = c.until_end();
    auto space = rest.find(' ');
    double value = parse_value(rest.substr(0, space));
    if (space != std::string::npos) {
      auto ts = rest.substr(space + 1);
      if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string::npos)
        throw std::runtime_error("bad timestamp '" + ts + "'");
    }
    if (e_.types[name] == "counter" && !(value >= 0)) throw std::runtime_error("negative counter " + name);
    if (!e_.samples.emplace(key(name, labels), value).second)
      throw std::runtime_error("series " + key(name, labels) + " twice");
  }

  Exposition e_;
  std::set<std::string> finished_;  // families whose samples are over
  std::string current_;             // family whose samples may follow
};

}  // namespace

ParseResult parse_exposition(const std::string& text) {
  ExpositionParser parser;
  std::size_t line_no = 0;
  try {
    if (!text.empty() && text.back() != '\n') throw std::runtime_error("text does not end with a newline");
    std::size_t pos = 0;
    while (pos < text.size()) {
      ++line_no;
      auto nl = text.find('\n', pos);
      parser.line(text.substr(pos, nl - pos));
      pos = nl + 1;
    }
  } catch (const std::exception& ex) {
    return {std::nullopt, "line " + std::to_string(line_no) + ": " + ex.what()};
  }
  return {parser.take(), {}};
}

std::optional<Exposition> scrape(std::uint16_t admin_port, std::chrono::milliseconds timeout) {
  auto reply = admin::http_get("127.0.0.1", admin_port, "/metrics", timeout);
  if (!reply || reply->status != 200) return std::nullopt;
  return parse_exposition(reply->body).exposition;
}

}  // namespace gs::test
