//===- Passes.h - dlc conversion passes -------------------------*- C++ -*-===//
#ifndef DLC_CONVERSION_PASSES_H
#define DLC_CONVERSION_PASSES_H

#include "dlc/Conversion/DlcToLinalg/DlcToLinalg.h"

#include "mlir/Pass/Pass.h"

namespace dlc {

#define GEN_PASS_REGISTRATION
#include "dlc/Conversion/Passes.h.inc"

} // namespace dlc

#endif // DLC_CONVERSION_PASSES_H
