"""PyTorch -> ONNX -> dlc: exported models must match PyTorch within 1e-4.

    torch_export_test.py DLC_BINARY SOURCE_ROOT WORK_DIR

Exports two NCHW models with torch.onnx.export (opset 13, symbolic batch):
the reference CNN (examples/mnist_cnn.fb's weights, built by
bench/torch_model.py) and a wider CNN with padding, stride 2, batch norm,
a grouped conv, average and ceil-mode max pooling. Each is imported with
`dlc import`, run with `dlc run` (JIT) and, compiled with `dlc compile`, from
the shared library, on a batch of 5; every output must be within 1e-4 of
PyTorch's. A third, hand-written ONNX graph mixes ops whose layouts interact
(transposes that cancel, grouped conv with asymmetric pads, batch norm, clip
bounds as initializers, ceil-mode average pool counting pads, Pad, Concat on
channels, GlobalAveragePool + Reshape with 0 and -1, Gemm with alpha/beta,
MatMul, broadcast Add, Softmax) and is checked against the same computation
written with torch.nn.functional. Fails (never skips) when torch or onnx is
missing.
"""

import os
import subprocess
import sys

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

TOLERANCE = 1e-4


class WideNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(8)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.bn2 = torch.nn.BatchNorm2d(16)
        self.pool1 = torch.nn.AvgPool2d(2)
        self.conv3 = torch.nn.Conv2d(16, 16, 3, padding=(1, 2), groups=4)
        self.pool2 = torch.nn.MaxPool2d(2, ceil_mode=True)
        self.fc1 = torch.nn.Linear(16 * 4 * 5, 32)
        self.fc2 = torch.nn.Linear(32, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        x = self.pool1(x)
        x = torch.nn.functional.leaky_relu(self.conv3(x), 0.1)
        x = self.pool2(x)
        x = torch.flatten(x, 1)
        x = torch.tanh(self.fc1(x))
        return torch.log_softmax(self.fc2(x), dim=1)


def wide_net():
    torch.manual_seed(7)
    net = WideNet()
    # Non-trivial running statistics, so that batch norm is tested.
    with torch.no_grad():
        for bn in (net.bn1, net.bn2):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    return net.eval()


def reference_cnn(root):
    sys.path.insert(0, os.path.join(root, "bench"))
    import torch_model
    return torch_model.load(os.path.join(root, "examples", "mnist_cnn.fb"))


def check(dlc, name, net, shape, work):
    onnx_path = os.path.join(work, name + ".onnx")
    x = torch.rand(*shape, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        want = net(x).numpy()
    # PRESERVE (the module is in eval mode) keeps batch norm a node of its
    # own instead of folding it into the convolution.
    torch.onnx.export(net, x, onnx_path, opset_version=13,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    compare(dlc, name, onnx_path, x, want, work)


def mixed_graph(path):
    """Writes the hand-made graph; returns its PyTorch twin."""
    rng = np.random.default_rng(11)
    def w(shape, low=-1.0, high=1.0):
        return rng.uniform(low, high, shape).astype(np.float32)
    W = {"cw": w([4, 2, 3, 3]), "s": w([4]), "b": w([4]), "m": w([4]),
         "v": w([4], 0.5, 1.0), "lo": np.array(-0.5, np.float32),
         "hi": np.array(0.5, np.float32),
         "pads": np.array([0, 0, 1, 0, 0, 0, 0, 1], np.int64),
         "gw": w([5, 8]), "gb": w([5]), "mw": w([5, 3]), "ab": w([3])}
    node = helper.make_node
    nodes = [
        node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
        node("Transpose", ["t"], ["t2"], perm=[0, 3, 1, 2]),
        node("Conv", ["t2", "cw"], ["c"], group=2, pads=[1, 0, 1, 2],
             strides=[2, 1]),
        node("BatchNormalization", ["c", "s", "b", "m", "v"], ["bn"],
             epsilon=1e-3),
        node("Clip", ["bn", "lo", "hi"], ["cl"]),
        node("AveragePool", ["cl"], ["ap"], kernel_shape=[2, 2],
             strides=[2, 2], ceil_mode=1, count_include_pad=1),
        node("Pad", ["ap", "pads"], ["pd"]),
        node("Concat", ["pd", "pd"], ["cc"], axis=1),
        node("GlobalAveragePool", ["cc"], ["g"]),
        node("Constant", [], ["shape"], value=numpy_helper.from_array(
            np.array([0, -1], np.int64))),
        node("Reshape", ["g", "shape"], ["rs"]),
        node("Gemm", ["rs", "gw", "gb"], ["gm"], alpha=0.5, beta=2.0,
             transB=1),
        node("MatMul", ["gm", "mw"], ["mm"]),
        node("Add", ["mm", "ab"], ["ad"]),
        node("Dropout", ["ad"], ["dr"]),
        node("Identity", ["dr"], ["id"]),
        node("Softmax", ["id"], ["y"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "mixed",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT,
                                       ["N", 4, 7, 6])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
        [numpy_helper.from_array(v, k) for k, v in W.items()])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    T = {k: torch.tensor(v) for k, v in W.items()}
    F = torch.nn.functional

    def twin(x):
        c = F.conv2d(F.pad(x, (0, 2, 1, 1)), T["cw"], stride=(2, 1), groups=2)
        ch = lambda t: t.view(1, 4, 1, 1)
        bn = (c - ch(T["m"])) / torch.sqrt(ch(T["v"]) + 1e-3) * ch(T["s"]) \
            + ch(T["b"])
        ap = F.avg_pool2d(bn.clamp(-0.5, 0.5), 2, 2, ceil_mode=True,
                          count_include_pad=True)
        pd = F.pad(ap, (0, 1, 1, 0))
        g = torch.cat([pd, pd], 1).mean((2, 3))
        gm = 0.5 * g @ T["gw"].T + 2.0 * T["gb"]
        return torch.softmax(gm @ T["mw"] + T["ab"], 1)
    return twin


def compare(dlc, name, onnx_path, x, want, work):
    fb_path = os.path.join(work, name + ".fb")
    so_path = os.path.join(work, name + ".so")
    x_path = os.path.join(work, name + "_x.npy")
    np.save(x_path, x.numpy())
    subprocess.run([dlc, "import", onnx_path, "-o", fb_path], check=True)
    subprocess.run([dlc, "compile", fb_path, "--batch", "2", "-o", so_path],
                   check=True)
    worst = 0.0
    for model in (fb_path, so_path):
        y_path = os.path.join(work, name + "_y.npy")
        subprocess.run([dlc, "run", model, "--input", x_path,
                        "--output", y_path], check=True,
                       stdout=subprocess.DEVNULL)
        got = np.load(y_path)
        if got.shape != want.shape:
            raise SystemExit(f"{name}: {model} produced shape {got.shape}, "
                             f"PyTorch {want.shape}")
        diff = float(np.max(np.abs(got - want)))
        worst = max(worst, diff)
        if not diff <= TOLERANCE:
            raise SystemExit(f"{name}: {model} differs from PyTorch by {diff}")
    print(f"{name}: max |dlc - PyTorch| = {worst:.2e} (limit {TOLERANCE})")


def main():
    dlc, root, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    check(dlc, "reference_cnn", reference_cnn(root), (5, 1, 28, 28), work)
    check(dlc, "wide_cnn", wide_net(), (5, 1, 28, 28), work)
    mixed = os.path.join(work, "mixed.onnx")
    twin = mixed_graph(mixed)
    x = torch.rand(5, 4, 7, 6, generator=torch.Generator().manual_seed(5))
    x = x * 2 - 1
    with torch.no_grad():
        want = twin(x).numpy()
    compare(dlc, "mixed_ops", mixed, x, want, work)


if __name__ == "__main__":
    main()
