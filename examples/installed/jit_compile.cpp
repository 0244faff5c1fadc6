// JIT-compiles a model in-process through the installed dlc::compiler and
// runs one batch: the embedding use of dlc from another project. The model
// is a dlc model (.fb), or an ONNX or TFLite file converted in memory first.
// Inputs are a deterministic ramp; each output's shape and first values are
// printed.
//
//   jit_compile MODEL.{fb,onnx,tflite} [BATCH]
#include "dlc/Compiler/Compiler.h"
#include "dlc/Import/ONNXConverter.h"
#include "dlc/Import/TFLiteConverter.h"

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
  std::vector<dlc::HostTensor> inputs;
  for (int32_t i = 0; i < desc.num_inputs; ++i) {
    const dlc_tensor_desc &in = desc.inputs[i];
    std::vector<int64_t> shape(in.shape, in.shape + in.rank);
    if (!(in.flags & DLC_TENSOR_UNBATCHED) && !shape.empty())
      shape[0] = batch;
    auto tensor =
        dlc::HostTensor::create(static_cast<dlc::DType>(in.dtype), shape);
    if (!tensor.ok())
      return fail(tensor.status());
    if (tensor->dtype() != dlc::DType::F32) {
      std::fprintf(stderr, "error: input '%s' is not a float tensor\n",
                   in.name);
      return 1;
    }
    float *data = tensor->data<float>();
    for (int64_t k = 0; k < tensor->numElements(); ++k)
      data[k] = static_cast<float>(k % 13) / 13.0f;
    inputs.push_back(std::move(*tensor));
  }
  auto outputs = (*model)->run(inputs);
  if (!outputs.ok())
    return fail(outputs.status());
  for (int32_t i = 0; i < desc.num_outputs; ++i) {
    const dlc::HostTensor &out = (*outputs)[size_t(i)];
    std::printf("%s: [", desc.outputs[i].name);
    for (size_t d = 0; d < out.shape().size(); ++d)
      std::printf("%s%lld", d ? ", " : "",
                  static_cast<long long>(out.shape()[d]));
    std::printf("]");
    if (out.dtype() == dlc::DType::F32)
      for (int64_t k = 0; k < out.numElements() && k < 4; ++k)
        std::printf(" %.5f", double(out.data<float>()[k]));
    std::printf("\n");
  }
  return 0;
}
