"""Builds a dlc model (.fb) as a PyTorch module with the very same weights.

dlc's activations are NHWC and its weights Keras-shaped (conv HWIO, depthwise
[KH, KW, C, mult], dense [in, out]); PyTorch wants NCHW and OIHW. The module
keeps activations NCHW inside (PyTorch's and ONNX's native layout, so both
peers see the graph they are best at) and converts the weights once here.

Its input is the NCHW form of dlc's NHWC input. For the reference CNN (one
channel) the two are the same bytes, so the peers time exactly the same shapes.

The one place where layout changes meaning is FLATTEN: dlc flattens NHWC, i.e.
in (h, w, c) order. When a flatten feeds only DENSE layers, its (h, w, c) order
is folded into the dense weights' rows, so the peer graph is a plain
flatten + matmul with no transpose; otherwise the tensor is permuted to NHWC
before flattening. `nchw_flatten_bug=True` builds the *wrong* model (flattens
NCHW without folding) so the exporter can show that its equality check catches
a layout mistake.
"""

import torch
import torch.nn.functional as F

import dlc_fb


def _same_pads(size, kernel, stride, dilation):
    """TensorFlow's SAME padding: (before, after) for one spatial dimension."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _window_pads(opts, shape, kernel, stride, dilation):
    """(top, bottom, left, right) of a conv or pool on an NHWC shape."""
    padding = opts.get("padding", "VALID")
    if padding == "VALID":
        return (0, 0, 0, 0)
    if padding == "EXPLICIT":
        return (opts["pad_top"], opts["pad_bottom"], opts["pad_left"], opts["pad_right"])
    top, bottom = _same_pads(shape[1], kernel[0], stride[0], dilation[0])
    left, right = _same_pads(shape[2], kernel[1], stride[1], dilation[1])
    return (top, bottom, left, right)


def _window_out(shape, pads, kernel, stride, dilation, channels):
    h = (shape[1] + pads[0] + pads[1] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    w = (shape[2] + pads[2] + pads[3] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    return [shape[0], h, w, channels]


def _activation(name, x, alpha):
    if name == "NONE":
        return x
    if name == "RELU":
        return torch.relu(x)
    if name == "RELU6":
        return torch.clamp(x, 0.0, 6.0)
    if name == "LEAKY_RELU":
        return F.leaky_relu(x, alpha)
    if name == "SIGMOID":
        return torch.sigmoid(x)
    if name == "TANH":
        return torch.tanh(x)
    raise ValueError("unsupported activation " + name)


class DlcNet(torch.nn.Module):
    def __init__(self, model, nchw_flatten_bug=False):
        super().__init__()
        self._model = model
        tensors = model["tensors"]
        if len(model["inputs"]) != 1 or len(model["outputs"]) != 1:
            raise ValueError("the peer exporter handles one input and one output")
        self.input_index = model["inputs"][0]
        self.output_index = model["outputs"][0]
        consumers = {}
        for op in model["operators"]:
            for i in op["inputs"]:
                consumers.setdefault(i, []).append(op["type"])

        # NHWC shapes (batch as -1) of every value, to size the weight
        # permutations and SAME paddings at build time.
        shapes = {self.input_index: list(tensors[self.input_index]["shape"])}
        self.steps = []  # (op type, module name or None, inputs, output, extra)
        self.layers = torch.nn.ModuleDict()
        flat_order = {}  # flatten output -> (H, W, C) if it is in (c, h, w) order
        for op in model["operators"]:
            kind, name, opts = op["type"], op["name"], op["options"]
            ins, out = op["inputs"], op["outputs"][0]
            x_shape = shapes.get(ins[0])
            if x_shape is None:
                raise ValueError("%s: input %d has no known shape" % (name, ins[0]))
            key = "l%d" % len(self.steps)
            if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
                w = self._weight(ins[1])
                bias = self._weight(ins[2]) if len(ins) > 2 and ins[2] >= 0 else None
                kh, kw = w.shape[0], w.shape[1]
                stride = (opts.get("stride_h", 1), opts.get("stride_w", 1))
                dilation = (opts.get("dilation_h", 1), opts.get("dilation_w", 1))
                pads = _window_pads(opts, x_shape, (kh, kw), stride, dilation)
                cin = x_shape[3]
                if kind == "CONV_2D":
                    groups, cout = 1, w.shape[3]
                    w_oihw = w.permute(3, 2, 0, 1)
                else:
                    # [KH, KW, C, mult] -> [C*mult, 1, KH, KW]; output channel c*mult+m.
                    groups, cout = cin, cin * w.shape[3]
                    w_oihw = w.permute(2, 3, 0, 1).reshape(cout, 1, kh, kw)
                conv = torch.nn.Conv2d(cin, cout, (kh, kw), stride=stride, dilation=dilation,
                                       groups=groups, bias=bias is not None)
                with torch.no_grad():
                    conv.weight.copy_(w_oihw)
                    if bias is not None:
                        conv.bias.copy_(bias)
                self.layers[key] = conv
                extra = (pads, opts.get("activation", "NONE"), opts.get("leaky_alpha", 0.2))
                shapes[out] = _window_out(x_shape, pads, (kh, kw), stride, dilation, cout)
            elif kind in ("MAX_POOL_2D", "AVG_POOL_2D"):
                kernel = (opts.get("filter_h", 2), opts.get("filter_w", 2))
                stride = (opts.get("stride_h", 0) or kernel[0], opts.get("stride_w", 0) or kernel[1])
                pads = _window_pads(opts, x_shape, kernel, stride, (1, 1))
                if kind == "AVG_POOL_2D" and any(pads):
                    raise ValueError("%s: padded average pooling is not supported here" % name)
                key = None
                extra = (kernel, stride, pads)
                shapes[out] = _window_out(x_shape, pads, kernel, stride, (1, 1), x_shape[3])
            elif kind == "FLATTEN":
                key = None
                n = 1
                for d in x_shape[1:]:
                    n *= d
                shapes[out] = [x_shape[0], n]
                fold = len(x_shape) == 4 and all(c == "DENSE" for c in consumers.get(out, []))
                fold = fold and out != self.output_index
                if len(x_shape) == 4 and (fold or nchw_flatten_bug):
                    if not nchw_flatten_bug:
                        flat_order[out] = tuple(x_shape[1:])
                    extra = "nchw"
                else:
                    extra = "nhwc" if len(x_shape) == 4 else "flat"
            elif kind == "DENSE":
                w = self._weight(ins[1])  # [K, M]
                bias = self._weight(ins[2]) if len(ins) > 2 and ins[2] >= 0 else None
                if ins[0] in flat_order:
                    # Rows are (h, w, c); the input arrives flattened as (c, h, w).
                    h, wd, c = flat_order[ins[0]]
                    w = w.reshape(h, wd, c, -1).permute(2, 0, 1, 3).reshape(h * wd * c, -1)
                linear = torch.nn.Linear(w.shape[0], w.shape[1], bias=bias is not None)
                with torch.no_grad():
                    linear.weight.copy_(w.t())
                    if bias is not None:
                        linear.bias.copy_(bias)
                self.layers[key] = linear
                extra = (opts.get("activation", "NONE"), opts.get("leaky_alpha", 0.2))
                shapes[out] = [x_shape[0], w.shape[1]]
            elif kind in ("RELU", "RELU6", "SIGMOID", "TANH", "SOFTMAX", "LOG_SOFTMAX"):
                key = None
                if kind in ("SOFTMAX", "LOG_SOFTMAX"):
                    axis = opts.get("axis", -1) % len(x_shape)
                    # NHWC axis -> NCHW axis for 4-D values.
                    extra = [0, 2, 3, 1][axis] if len(x_shape) == 4 else axis
                else:
                    extra = None
                shapes[out] = list(x_shape)
            else:
                raise ValueError("%s: operator %s is not supported by the peer exporter"
                                 % (name, kind))
            self.steps.append((kind, key, ins[0], out, extra))
        self.output_rank = len(shapes[self.output_index])

    def _weight(self, index):
        t = self._model["tensors"][index]
        if t["dtype"] != "FLOAT32" or t["buffer"] == 0:
            raise ValueError("tensor %s: expected stored FLOAT32 weights" % t["name"])
        data = self._model["buffers"][t["buffer"]]
        values = torch.frombuffer(bytearray(data), dtype=torch.float32)
        return values.reshape(t["shape"]).clone()

    def forward(self, x):
        values = {self.input_index: x}
        for kind, key, src, dst, extra in self.steps:
            x = values[src]
            if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
                pads, act, alpha = extra
                if any(pads):
                    x = F.pad(x, (pads[2], pads[3], pads[0], pads[1]))
                y = _activation(act, self.layers[key](x), alpha)
            elif kind in ("MAX_POOL_2D", "AVG_POOL_2D"):
                kernel, stride, pads = extra
                if any(pads):
                    x = F.pad(x, (pads[2], pads[3], pads[0], pads[1]), value=float("-inf"))
                pool = F.max_pool2d if kind == "MAX_POOL_2D" else F.avg_pool2d
                y = pool(x, kernel, stride)
            elif kind == "FLATTEN":
                y = x.permute(0, 2, 3, 1).flatten(1) if extra == "nhwc" else x.flatten(1)
            elif kind == "DENSE":
                act, alpha = extra
                y = _activation(act, self.layers[key](x), alpha)
            elif kind == "SOFTMAX":
                y = torch.softmax(x, extra)
            elif kind == "LOG_SOFTMAX":
                y = torch.log_softmax(x, extra)
            else:
                y = _activation(kind, x, 0.0)
            values[dst] = y
        y = values[self.output_index]
        # A 4-D output is NHWC in dlc.
        return y.permute(0, 2, 3, 1) if self.output_rank == 4 else y


def load(path, **kwargs):
    return DlcNet(dlc_fb.read_model(path), **kwargs).eval()


def nhwc_to_nchw(x):
    return x.permute(0, 3, 1, 2).contiguous()
