// Runs a whole dlc model with the reference ops, one operator at a time in
// file order. This is the oracle that compiled models are compared against.
#ifndef DLC_REFERENCE_INTERPRETER_H
#define DLC_REFERENCE_INTERPRETER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dlc/reference/tensor.h"
#include "dlc_model_generated.h"

namespace dlc::ref {

class ReferenceInterpreter {
public:
  /// Feeds `inputs` to the graph inputs (in Graph.inputs order) and fills
  /// `outputs` (in Graph.outputs order). Returns "" on success, otherwise a
  /// message naming the failing op's index and name.
  ///
  /// A graph input dim of -1 (the batch) accepts any size; all other dims
  /// must match. If the model has a Training table whose label_input names a
  /// graph input, that input may be left out of `inputs`.
  std::string run(const dlc::fb::Model &model,
                  const std::vector<RefTensor> &inputs,
                  std::vector<RefTensor> &outputs);

  /// Same on a serialized model; verifies the buffer and identifier first.
  std::string run(const uint8_t *data, size_t size,
                  const std::vector<RefTensor> &inputs,
                  std::vector<RefTensor> &outputs);

  /// After run(): the value of graph tensor `index` (input, constant or op
  /// result), or nullptr if it was never computed. Handy when bisecting a
  /// mismatch layer by layer.
  const RefTensor *tensor(int index) const;

private:
  std::vector<RefTensor> values_;
  std::vector<bool> known_;
};

} // namespace dlc::ref

#endif // DLC_REFERENCE_INTERPRETER_H
