//===- Usage.h - the dlc tool's usage texts and version ---------*- C++ -*-===//
#ifndef DLC_TOOLS_DLC_USAGE_H
#define DLC_TOOLS_DLC_USAGE_H

#include <string>

namespace dlc::tool {

/// The usage of `dlc COMMAND` (options, defaults, an example), or null for
/// an unknown command.
const char *commandUsage(const std::string &command);

/// True if argv[2..] holds -h or --help.
bool asksForHelp(int argc, char **argv);

/// A command-line mistake of `dlc COMMAND`: "dlc: COMMAND: error", then
/// the command's usage, on stderr. Returns the exit status (1).
int usageError(const std::string &command, const std::string &error);

/// `dlc --version`: dlc's version, LLVM/MLIR's, the host CPU targeted.
int printVersion();

} // namespace dlc::tool

#endif // DLC_TOOLS_DLC_USAGE_H
