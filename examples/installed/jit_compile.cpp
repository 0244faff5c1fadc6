// JIT-compiles a model in-process through the installed dlc::compiler and
// runs one batch: the embedding use of dlc from another project. The model
// is a dlc model (.fb), or an ONNX or TFLite file converted in memory first.
// Inputs are a deterministic ramp; each output's shape and first values are
// printed (RampIO.h).
//
//   jit_compile MODEL.{fb,onnx,tflite} [BATCH]
#include "dlc/Compiler/Compiler.h"
#include "dlc/Import/ONNXConverter.h"
#include "dlc/Import/TFLiteConverter.h"

#include "RampIO.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

static int fail(const dlc::Status &status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return 1;
}

// A dlc model is mapped as it is; ONNX and TFLite files are converted in
// memory.
static dlc::StatusOr<std::unique_ptr<dlc::ModelFile>>
openModel(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  const bool tflite = dlc::hasTFLiteIdentifier(bytes.data(), bytes.size());
  if (!tflite && !dlc::looksLikeONNX(bytes.data(), bytes.size()))
    return dlc::ModelFile::open(path); // Its errors name the file.
  auto converted =
      tflite ? dlc::convertTFLiteToDlc(bytes.data(), bytes.size(), path)
             : dlc::convertONNXToDlc(bytes.data(), bytes.size(), path);
  if (!converted.ok())
    return converted.status();
  return dlc::ModelFile::fromBuffer(std::move(*converted), path);
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: jit_compile MODEL.{fb,onnx,tflite} [BATCH]\n");
    return 2;
  }
  const int64_t batch = argc == 3 ? std::atoll(argv[2]) : 4;
  if (batch < 1) {
    std::fprintf(stderr, "error: BATCH must be at least 1\n");
    return 2;
  }
  auto file = openModel(argv[1]);
  if (!file.ok())
    return fail(file.status());
  dlc::CompileOptions options;
  options.batchSize = batch;
  auto model = dlc::jitCompile(**file, options);
  if (!model.ok())
    return fail(model.status());

  const dlc_model_desc &desc = (*model)->desc();
  auto inputs = rampInputs(desc, batch);
  if (!inputs.ok())
    return fail(inputs.status());
  auto outputs = (*model)->run(*inputs);
  if (!outputs.ok())
    return fail(outputs.status());
  printOutputs(desc, *outputs);
  return 0;
}
