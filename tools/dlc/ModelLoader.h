//===- ModelLoader.h - open a model file of any supported format -*- C++ -*-===//
//
// The tool's commands take dlc models (.fb), TensorFlow Lite models
// (.tflite) and ONNX models (.onnx). FlatBuffers are recognized by the file
// identifier at bytes 4..7, not by the file name: "DLCM" is mapped with
// ModelFile::open, "TFL3" is converted to a dlc model in memory first. ONNX
// files have no identifier: a .onnx name, or a file that is neither and
// starts like a ModelProto, is converted by the ONNX front end.
//
//===----------------------------------------------------------------------===//
#ifndef DLC_TOOLS_DLC_MODELLOADER_H
#define DLC_TOOLS_DLC_MODELLOADER_H

#include "dlc/runtime/ModelFile.h"
#include "dlc/runtime/Status.h"

#include <memory>
#include <string>

namespace dlc::tool {

/// Opens `path`. A converted TFLite or ONNX model is kept in the compile
/// cache (CompileCache.h) unless `useCache` is false, so that opening the
/// same file again skips the conversion.
StatusOr<std::unique_ptr<ModelFile>> loadModel(const std::string &path,
                                               bool useCache = true);

/// Empty when `--batch batch` can apply to `file`; otherwise why not: no
/// graph input has a free first (batch) dimension and `batch` differs from
/// the fixed one (an ONNX file exported at batch 1 without dynamic axes).
/// Compiling it for another batch would describe inputs it does not take.
std::string batchMismatch(const ModelFile &file, int64_t batch);

} // namespace dlc::tool

#endif // DLC_TOOLS_DLC_MODELLOADER_H
