//===- Args.cpp - a small command-line parser for the dlc tool ------------===//

#include "Args.h"

#include "dlc/runtime/MemoryLimit.h"

#include <cerrno>
#include <cstdlib>

namespace dlc::tool {

bool parseArgs(int argc, char **argv, int first,
               const std::set<std::string> &valueOptions,
               const std::set<std::string> &flagOptions, Args &out,
               std::string &error) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-' || arg == "-") {
      out.positional.push_back(arg);
      continue;
    }
    std::string name = arg, value;
    bool hasValue = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      hasValue = true;
    }
    if (flagOptions.count(name) && !hasValue) {
      out.flags.insert(name);
      continue;
    }
    if (!valueOptions.count(name)) {
      error = "unknown option '" + name + "'";
      return false;
    }
    if (!hasValue) {
      if (i + 1 >= argc) {
        error = "option '" + name + "' needs a value";
        return false;
      }
      value = argv[++i];
    }
    out.values[name].push_back(value);
  }
  return true;
}

bool parseIntList(const std::string &text, std::vector<int64_t> &out) {
  out.clear();
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string item = text.substr(pos, comma == std::string::npos
                                            ? std::string::npos
                                            : comma - pos);
    char *end = nullptr;
    errno = 0;
    long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno != 0 || v < 0)
      return false;
    out.push_back(v);
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return !out.empty();
}

bool parsePositive(const std::string &text, int64_t &out) {
  std::vector<int64_t> list;
  if (!parseIntList(text, list) || list.size() != 1 || list[0] <= 0)
    return false;
  out = list[0];
  return true;
}

bool readMaxMemory(const Args &args, uint64_t &bytes, std::string &error) {
  if (!args.has("--max-memory"))
    return true;
  std::optional<uint64_t> size = parseByteSize(args.get("--max-memory"));
  if (!size) {
    error = "--max-memory expects a size in bytes, or with a unit like 512M "
            "or 4G";
    return false;
  }
  bytes = *size;
  return true;
}

} // namespace dlc::tool
