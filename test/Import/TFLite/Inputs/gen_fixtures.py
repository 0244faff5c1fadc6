#!/usr/bin/env python3
"""Writes the TFLite JSON fixtures (and .npy inputs) of test/tools/tflite*.test.

The JSON follows dlc's own TFLite schema subset
(schemas/tflite/tflite_subset.fbs); tests turn it into .tflite files with
`flatc -b`. Weights are deterministic small values so that the lit tests
and the GoogleTest can recompute them. Run from this directory:
    python3 gen_fixtures.py
"""
import json
import struct


def f32(values):
    return list(struct.pack("<%df" % len(values), *values))


def f16(values):
    return list(struct.pack("<%de" % len(values), *values))


def i32(values):
    return list(struct.pack("<%di" % len(values), *values))


def ramp(n, scale=0.1, offset=0.0):
    # Alternating signs so that ReLU and pooling see both.
    return [round(((i * 7) % 11 - 5) * scale + offset, 4) for i in range(n)]


class Model:
    def __init__(self):
        self.tensors, self.buffers, self.ops, self.codes = [], [{}], [], []

    def tensor(self, name, shape, type="FLOAT32", data=None, quant=None):
        t = {"name": name, "shape": shape, "type": type}
        if data is not None:
            self.buffers.append({"data": data})
            t["buffer"] = len(self.buffers) - 1
        if quant is not None:
            t["quantization"] = quant
        self.tensors.append(t)
        return len(self.tensors) - 1

    def op(self, code, inputs, outputs, opt_type=None, options=None):
        if code not in self.codes:
            self.codes.append(code)
        o = {"opcode_index": self.codes.index(code), "inputs": inputs,
             "outputs": outputs}
        if opt_type:
            o["builtin_options_type"] = opt_type
            o["builtin_options"] = options or {}
        self.ops.append(o)

    def write(self, path, inputs, outputs, version=3):
        codes = []
        for c in self.codes:
            if isinstance(c, int):
                codes.append({"deprecated_builtin_code": min(c, 127),
                              "builtin_code": c})
            else:
                codes.append({"builtin_code": c})
        model = {"version": version, "operator_codes": codes,
                 "subgraphs": [{"tensors": self.tensors, "inputs": inputs,
                                "outputs": outputs, "operators": self.ops,
                                "name": "main"}],
                 "description": "dlc test fixture", "buffers": self.buffers}
        with open(path, "w") as f:
            json.dump(model, f, indent=1)
            f.write("\n")


def write_npy(path, shape, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % (
        "".join("%d, " % d for d in shape) if len(shape) != 1 else "%d," % shape[0])
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode())
        f.write(struct.pack("<%df" % len(values), *values))


# conv (OHWI, SAME, fused RELU) -> max pool -> fully connected on a rank-4
# input (flattened) -> softmax.
def cnn():
    m = Model()
    x = m.tensor("input", [1, 6, 6, 2])
    w = m.tensor("conv/filter", [3, 3, 3, 2], data=f32(ramp(54)))
    b = m.tensor("conv/bias", [3], data=f32([0.1, -0.2, 0.05]))
    c = m.tensor("conv", [1, 6, 6, 3])
    m.op("CONV_2D", [x, w, b], [c], "Conv2DOptions",
         {"padding": "SAME", "stride_w": 1, "stride_h": 1,
          "fused_activation_function": "RELU"})
    p = m.tensor("pool", [1, 3, 3, 3])
    m.op("MAX_POOL_2D", [c], [p], "Pool2DOptions",
         {"padding": "VALID", "stride_w": 2, "stride_h": 2,
          "filter_width": 2, "filter_height": 2})
    fw = m.tensor("fc/weights", [4, 27], data=f32(ramp(108, 0.05)))
    fb = m.tensor("fc/bias", [4], data=f32([0.0, 0.1, -0.1, 0.2]))
    fc = m.tensor("fc", [1, 4])
    m.op("FULLY_CONNECTED", [p, fw, fb], [fc], "FullyConnectedOptions", {})
    y = m.tensor("probs", [1, 4])
    m.op("SOFTMAX", [fc], [y], "SoftmaxOptions", {"beta": 1.0})
    m.write("cnn.json", [x], [y])
    write_npy("cnn_input.npy", [2, 6, 6, 2], ramp(144, 0.3, 0.1))


# depthwise (multiplier 2, VALID, fused RELU6) -> average pool (SAME,
# stride 2) -> mean over H,W -> mul by a constant with fused TANH -> add
# with fused RELU_N1_TO_1.
def depthwise():
    m = Model()
    x = m.tensor("input", [1, 5, 5, 2])
    w = m.tensor("dw/filter", [1, 3, 3, 4], data=f32(ramp(36, 0.2)))
    b = m.tensor("dw/bias", [4], data=f32([0.5, 0.0, -0.5, 1.0]))
    d = m.tensor("dw", [1, 3, 3, 4])
    m.op("DEPTHWISE_CONV_2D", [x, w, b], [d], "DepthwiseConv2DOptions",
         {"padding": "VALID", "stride_w": 1, "stride_h": 1,
          "depth_multiplier": 2, "fused_activation_function": "RELU6"})
    p = m.tensor("avg", [1, 2, 2, 4])
    m.op("AVERAGE_POOL_2D", [d], [p], "Pool2DOptions",
         {"padding": "SAME", "stride_w": 2, "stride_h": 2,
          "filter_width": 2, "filter_height": 2})
    axes = m.tensor("axes", [2], "INT32", data=i32([1, 2]))
    g = m.tensor("mean", [1, 4])
    m.op("MEAN", [p, axes], [g], "ReducerOptions", {"keep_dims": False})
    k = m.tensor("scale", [4], data=f32([0.5, -1.0, 0.25, 2.0]))
    s = m.tensor("mul", [1, 4])
    m.op("MUL", [g, k], [s], "MulOptions",
         {"fused_activation_function": "TANH"})
    y = m.tensor("out", [1, 4])
    m.op("ADD", [s, s], [y], "AddOptions",
         {"fused_activation_function": "RELU_N1_TO_1"})
    m.write("depthwise.json", [x], [y])
    write_npy("depthwise_input.npy", [1, 5, 5, 2], ramp(50, 0.4))


# pad (constant int32 paddings) -> reshape (constant shape [1,-1]) ->
# logistic -> concatenation with fused RELU; fp16 weights behind DEQUANTIZE
# feed a fully connected layer; a MEAN with keep_dims; SUB.
def shapes():
    m = Model()
    x = m.tensor("input", [1, 3, 3, 2])
    pads = m.tensor("paddings", [4, 2], "INT32",
                    data=i32([0, 0, 1, 1, 2, 0, 0, 0]))
    p = m.tensor("pad", [1, 5, 5, 2])
    m.op("PAD", [x, pads], [p], "PadOptions", {})
    gm = m.tensor("gmean", [1, 1, 1, 2])
    axes = m.tensor("axes", [2], "INT32", data=i32([2, 1]))
    m.op("MEAN", [p, axes], [gm], "ReducerOptions", {"keep_dims": True})
    shape = m.tensor("shape", [2], "INT32", data=i32([1, -1]))
    r = m.tensor("flat", [1, 50])
    m.op("RESHAPE", [p, shape], [r], "ReshapeOptions", {"new_shape": [1, 50]})
    l = m.tensor("sigmoid", [1, 50])
    m.op("LOGISTIC", [r], [l])
    w16 = m.tensor("fc/weights_fp16", [3, 50], "FLOAT16",
                   data=f16(ramp(150, 0.125)))
    w = m.tensor("fc/weights", [3, 50])
    m.op("DEQUANTIZE", [w16], [w])
    fc = m.tensor("fc", [1, 3])
    m.op("FULLY_CONNECTED", [l, w, -1], [fc], "FullyConnectedOptions",
         {"fused_activation_function": "RELU"})
    gflat = m.tensor("gmean_flat", [1, 2])
    m.op("RESHAPE", [gm], [gflat], "ReshapeOptions", {"new_shape": [1, 2]})
    k = m.tensor("k", [2], data=f32([1.0, -1.0]))
    sub = m.tensor("sub", [1, 2])
    m.op("SUB", [gflat, k], [sub], "SubOptions", {})
    t = m.tensor("tanh", [1, 2])
    m.op("TANH", [sub], [t])
    y = m.tensor("out", [1, 5])
    m.op("CONCATENATION", [fc, t], [y], "ConcatenationOptions",
         {"axis": -1, "fused_activation_function": "RELU6"})
    m.write("shapes.json", [x], [y])
    write_npy("shapes_input.npy", [1, 3, 3, 2], ramp(18, 0.5))


def errors():
    # Operator 3 is a CONV_2D on int8 tensors.
    m = Model()
    x = m.tensor("input", [1, 4, 4, 1])
    a = m.tensor("a", [1, 4, 4, 1])
    m.op("RELU", [x], [a])
    b = m.tensor("b", [1, 4, 4, 1])
    m.op("RELU6", [a], [b])
    c = m.tensor("c", [1, 4, 4, 1])
    m.op("TANH", [b], [c])
    q = {"scale": [0.5], "zero_point": [0]}
    w = m.tensor("w", [1, 1, 1, 1], "INT8", data=[3], quant=q)
    y = m.tensor("y", [1, 4, 4, 1], "INT8", quant=q)
    m.op("CONV_2D", [c, w, -1], [y], "Conv2DOptions",
         {"padding": "VALID", "stride_w": 1, "stride_h": 1})
    m.write("quantized.json", [x], [y])

    m = Model()
    x = m.tensor("input", [1, 4])
    perm = m.tensor("perm", [2], "INT32", data=i32([1, 0]))
    y = m.tensor("y", [4, 1])
    r = m.tensor("r", [1, 4])
    m.op("RELU", [x], [r])
    m.op("TRANSPOSE", [r, perm], [y])
    m.write("unsupported.json", [x], [y])

    m = Model()
    x = m.tensor("input", [1, 4])
    y = m.tensor("y", [1, 4])
    m.op("RELU", [x], [y])
    m.op("RELU6", [99], [y])
    m.write("bad_index.json", [x], [y])

    m = Model()
    x = m.tensor("input", [1, 4])
    y = m.tensor("y", [1, 4])
    m.op("SOFTMAX", [x], [y], "SoftmaxOptions", {"beta": 2.0})
    m.write("softmax_beta.json", [x], [y])

    m = Model()
    x = m.tensor("input", [1, 4])
    y = m.tensor("y", [1, 4])
    m.op("RELU", [x], [y])
    m.write("version2.json", [x], [y], version=2)


cnn()
depthwise()
shapes()
errors()
