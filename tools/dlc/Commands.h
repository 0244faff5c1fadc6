//===- Commands.h - the dlc tool's subcommands ------------------*- C++ -*-===//
#ifndef DLC_TOOLS_DLC_COMMANDS_H
#define DLC_TOOLS_DLC_COMMANDS_H

namespace dlc::tool {
int compileCommand(int argc, char **argv);
int runCommand(int argc, char **argv);
int summaryCommand(int argc, char **argv);
int benchCommand(int argc, char **argv);
int importCommand(int argc, char **argv);
int trainCommand(int argc, char **argv);
int evalCommand(int argc, char **argv);
} // namespace dlc::tool

#endif // DLC_TOOLS_DLC_COMMANDS_H
