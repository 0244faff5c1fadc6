"""Writes the small ONNX models of onnx-import.test into a directory.

    make_onnx.py OUT_DIR

cnn.onnx is a valid NCHW model (symbolic batch); the others each carry one
thing the ONNX front end must refuse with a clear message. x.npy is an
input for cnn.onnx.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def tensor(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def weight(name, shape, seed):
    rng = np.random.default_rng(seed)
    return numpy_helper.from_array(
        rng.uniform(-0.5, 0.5, shape).astype(np.float32), name)


def main(out):
    os.makedirs(out, exist_ok=True)
    x = tensor("x", ["N", 1, 6, 6])
    models = {}
    models["cnn"] = model(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv1",
                          pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["r"], name="relu1"),
         helper.make_node("MaxPool", ["r"], ["p"], name="pool1",
                          kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
         helper.make_node("Gemm", ["f", "fc"], ["y"], name="fc", transB=1)],
        [x], [tensor("y", ["N", 3])],
        [weight("w", [4, 1, 3, 3], 1), weight("b", [4], 2),
         weight("fc", [3, 36], 3)])
    models["unsupported_op"] = model(
        [helper.make_node("Relu", ["x"], ["r"], name="relu1"),
         helper.make_node("Sin", ["r"], ["y"], name="sin1")],
        [x], [tensor("y", ["N", 1, 6, 6])])
    models["pool_dilations"] = model(
        [helper.make_node("MaxPool", ["x"], ["y"], name="pool1",
                          kernel_shape=[2, 2], dilations=[2, 2])],
        [x], [tensor("y", None)])
    models["unknown_attr"] = model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu1", foo=3)],
        [x], [tensor("y", None)])
    models["undefined_input"] = model(
        [helper.make_node("Add", ["x", "ghost"], ["y"], name="add1")],
        [x], [tensor("y", None)])
    models["opset18"] = model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu1")],
        [x], [tensor("y", None)], opset=18)
    models["int_input"] = model(
        [helper.make_node("Relu", ["i"], ["y"], name="relu1")],
        [tensor("i", [1, 4], TensorProto.INT64)], [tensor("y", None)])
    models["symbolic_channel"] = model(
        [helper.make_node("Relu", ["s"], ["y"], name="relu1")],
        [tensor("s", [1, "C", 4, 4])], [tensor("y", None)])
    # Three conv + ReLU blocks alike in every shape and attribute, with
    # other weights: the first also reads the NCHW input, the other two
    # share one kernel.
    models["twin_blocks"] = model(
        [helper.make_node("Conv", ["t", "w1", "b1"], ["c1"], name="conv_a",
                          pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c1"], ["r1"], name="relu_a"),
         helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv_b",
                          pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c2"], ["r2"], name="relu_b"),
         helper.make_node("Conv", ["r2", "w3", "b3"], ["c3"], name="conv_c",
                          pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c3"], ["y"], name="relu_c")],
        [tensor("t", ["N", 16, 8, 8])], [tensor("y", ["N", 16, 8, 8])],
        [weight("w1", [16, 16, 3, 3], 5), weight("b1", [16], 6),
         weight("w2", [16, 16, 3, 3], 7), weight("b2", [16], 8),
         weight("w3", [16, 16, 3, 3], 9), weight("b3", [16], 10)])
    for name, m in models.items():
        onnx.save(m, os.path.join(out, name + ".onnx"))
    rng = np.random.default_rng(4)
    np.save(os.path.join(out, "x.npy"),
            rng.uniform(-1, 1, (2, 1, 6, 6)).astype(np.float32))
    np.save(os.path.join(out, "t.npy"),
            rng.uniform(-1, 1, (1, 16, 8, 8)).astype(np.float32))


if __name__ == "__main__":
    main(sys.argv[1])
