#pragma once

#include <stdexcept>
#include <string>

namespace gs::config {

// A configuration problem, located: what() reads
// "FILE:LINE:COL: key.path: what was expected, what was found".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, int column, std::string key, std::string problem);

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& key() const { return key_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string key_;
};

}  // namespace gs::config
