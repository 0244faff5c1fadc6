"""Writes DIR/scalar.onnx (z = y * x, x a rank-0 graph input, y [2, 3]) and
the inputs: x as a 0-d array and as a [1] array, y = 0..5."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
z = helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 3])
graph = helper.make_graph([helper.make_node("Mul", ["y", "x"], ["z"])],
                          "scalar_input", [x, y], [z])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.save(model, out + "/scalar.onnx")
np.save(out + "/x0.npy", np.array(3.0, dtype=np.float32))
np.save(out + "/x1.npy", np.array([3.0], dtype=np.float32))
np.save(out + "/y.npy", np.arange(6, dtype=np.float32).reshape(2, 3))
np.save(out + "/x0i.npy", np.array(3, dtype=np.int32))
