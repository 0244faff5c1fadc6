//===- Schema.h - the generated dlc model schema, warning-free --*- C++ -*-===//
//
// flatc 2.0.8 emits a `default:` in switches that cover every enum value,
// which -Wcovered-switch-default (on in LLVM builds) flags in every file that
// includes the header.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_IMPORT_SCHEMA_H
#define DLC_LIB_IMPORT_SCHEMA_H

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wcovered-switch-default"
#endif
#include "dlc_model_generated.h"
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

#endif // DLC_LIB_IMPORT_SCHEMA_H
