//===- ImportCommand.cpp - `dlc import` -----------------------------------===//
//
//   dlc import MODEL.tflite -o model.fb
//
// Converts a model of another format into a dlc model file. The result is
// checked exactly like a file being opened (ModelFile::fromBuffer) before it
// is written, and written atomically, so a failed import never leaves a
// half-written or invalid model behind.
//
//===----------------------------------------------------------------------===//

#include "Args.h"
#include "Commands.h"

#include "dlc/Import/TFLiteConverter.h"
#include "dlc/runtime/FileIO.h"
#include "dlc/runtime/ModelFile.h"

#include <cstdio>
#include <string>

namespace dlc::tool {

namespace {
int fail(const std::string &message) {
  std::fprintf(stderr, "dlc: %s\n", message.c_str());
  return 1;
}

constexpr uint64_t kMaxInputBytes = (uint64_t(1) << 31) - 1;
} // namespace

int importCommand(int argc, char **argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, 2, {"-o"}, {}, args, error))
    return fail("import: " + error);
  if (args.positional.size() != 1)
    return fail("import: expects exactly one model file");
  if (!args.has("-o"))
    return fail("import: needs an output file (-o model.fb)");
  const std::string &input = args.positional[0];
  std::string output = args.get("-o");

  auto bytes = readFile(input, kMaxInputBytes);
  if (!bytes.ok())
    return fail(bytes.status().message());
  if (!hasTFLiteIdentifier(bytes->data(), bytes->size()))
    return fail("import: " + input +
                ": unknown model format (expected a TensorFlow Lite file "
                "with identifier \"TFL3\")");
  auto converted = convertTFLiteToDlc(bytes->data(), bytes->size(), input);
  if (!converted.ok())
    return fail(converted.status().message());
  // Validate before writing: a model dlc cannot open is not worth saving.
  auto check = ModelFile::fromBuffer(*converted, input);
  if (!check.ok())
    return fail(check.status().message());
  Status written =
      writeFileAtomically(output, converted->data(), converted->size());
  if (!written.ok())
    return fail(written.message());
  return 0;
}

} // namespace dlc::tool
