//===- Args.h - a small command-line parser for the dlc tool ----*- C++ -*-===//
//
// Subcommands with positional arguments and --flag / --flag=value /
// --flag value options; unknown flags are errors, never ignored.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TOOLS_DLC_ARGS_H
#define DLC_TOOLS_DLC_ARGS_H

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace dlc::tool {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> flags;

  bool has(const std::string &name) const {
    return flags.count(name) || values.count(name);
  }
  std::string get(const std::string &name, const std::string &def = "") const {
    auto it = values.find(name);
    return it == values.end() ? def : it->second.back();
  }
  const std::vector<std::string> &all(const std::string &name) const {
    static const std::vector<std::string> none;
    auto it = values.find(name);
    return it == values.end() ? none : it->second;
  }
};

/// Parses argv[first..]. `valueOptions` take a value, `flagOptions` do not.
/// Returns false with `error` set on an unknown option or a missing value.
bool parseArgs(int argc, char **argv, int first,
               const std::set<std::string> &valueOptions,
               const std::set<std::string> &flagOptions, Args &out,
               std::string &error);

/// Parses "1,2,3" into integers; false on a malformed list.
bool parseIntList(const std::string &text, std::vector<int64_t> &out);

/// Parses a positive integer option value; false when malformed or <= 0.
bool parsePositive(const std::string &text, int64_t &out);

/// Reads `--max-memory SIZE` (bytes, or 512M, 4G, ...) into `bytes` when
/// the option is given; false with `error` set when it is malformed.
bool readMaxMemory(const Args &args, uint64_t &bytes, std::string &error);

} // namespace dlc::tool

#endif // DLC_TOOLS_DLC_ARGS_H
