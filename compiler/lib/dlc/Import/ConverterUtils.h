//===- ConverterUtils.h - helpers of the op converters ----------*- C++ -*-===//
//
// Reading options and building ops with inferred types, shared by
// OpConverters.cpp and WindowOpConverters.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_IMPORT_CONVERTERUTILS_H
#define DLC_LIB_IMPORT_CONVERTERUTILS_H

#include "OpConverters.h"

#include "dlc/Dialect/Dlc/IR/DlcOps.h"

#include <string>
#include <utility>

namespace dlc::fbimport {

inline std::string optionsName(fb::OpOptions type) {
  mlir::StringRef name = fb::EnumNameOpOptions(type);
  return name.empty() ? "of unknown type " + std::to_string(int(type))
                      : name.str();
}

/// The options of `info.op` as the object-API struct, whose member
/// initializers are the schema defaults: an absent table reads as defaults.
template <typename Table>
mlir::FailureOr<typename Table::NativeTableType>
getOptions(const OpInfo &info) {
  typename Table::NativeTableType options;
  fb::OpOptions expected = fb::OpOptionsTraits<Table>::enum_value;
  fb::OpOptions actual = info.op.options_type();
  if (actual == fb::OpOptions::NONE)
    return options;
  if (actual != expected)
    return info.emitError() << "has options " << optionsName(actual)
                            << ", but expects " << optionsName(expected);
  if (const Table *table = info.op.template options_as<Table>())
    table->UnPackTo(&options);
  return options;
}

/// Ops without options: a table being present means the writer and this
/// reader disagree about the op, which is worth reporting.
inline mlir::LogicalResult expectNoOptions(const OpInfo &info) {
  if (info.op.options_type() != fb::OpOptions::NONE)
    return info.emitError() << "takes no options, but has "
                            << optionsName(info.op.options_type());
  return mlir::success();
}

/// Builds OpTy with its result type from the op's shape inference. `args` are
/// those of OpTy's explicit-result-type builder, minus the result type.
template <typename OpTy, typename... Args>
mlir::FailureOr<mlir::Value> buildInferred(OpInfo &info, Args &&...args) {
  mlir::OpBuilder &b = info.builder;
  mlir::MLIRContext *ctx = b.getContext();
  mlir::OperationState state(info.loc, OpTy::getOperationName());
  OpTy::build(b, state, mlir::Type(), std::forward<Args>(args)...);
  state.types.clear();
  mlir::SmallVector<mlir::Type, 1> types;
  // Inference reports its own error at info.loc.
  if (failed(OpTy::inferReturnTypes(
          ctx, info.loc, state.operands, state.attributes.getDictionary(ctx),
          state.getRawProperties(), state.regions, types)))
    return mlir::failure();
  state.addTypes(types);
  return b.create(state)->getResult(0);
}

inline mlir::RankedTensorType typeOf(mlir::Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType());
}

inline mlir::FailureOr<Activation> convertActivation(const OpInfo &info,
                                                     fb::Activation act) {
  // The schema's and the dialect's enums share their values.
  std::optional<Activation> a = symbolizeActivation(static_cast<uint32_t>(act));
  if (!a)
    return info.emitError() << "unknown activation " << static_cast<int>(act);
  // The values after tanh name the math ops, which the model format does
  // not fuse (see its Activation enum).
  if (static_cast<uint32_t>(*a) > static_cast<uint32_t>(Activation::Tanh))
    return info.emitError() << "activation " << stringifyActivation(*a)
                            << " cannot be fused; use the standalone op";
  return *a;
}

} // namespace dlc::fbimport

#endif // DLC_LIB_IMPORT_CONVERTERUTILS_H
