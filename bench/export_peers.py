#!/usr/bin/python3
"""Gives the peers (PyTorch, ONNX Runtime) exactly dlc's model, and proves it.

    export_peers.py [--model examples/mnist_cnn.fb] [--dlc build/bin/dlc]
                    [--out bench/build] [--batches 1,64] [--check-batch 64]

1. Reads the .fb with the standard library (dlc_fb.py) and builds the same
   network in PyTorch with the same weights (torch_model.py).
2. Runs `dlc run MODEL --input x.npy --output y.npy` on seeded random images and
   requires PyTorch's output to match within 1e-4 (absolute); otherwise exits
   with status 2, because a benchmark of a different model is worthless. As a
   control, a deliberately wrong model (NCHW flatten) must *fail* that check,
   which shows the check can see a layout mistake.
3. Exports ONNX (opset 13) with a static batch per requested batch size,
   mnist_cnn_b<N>.onnx, for ONNX Runtime.
4. Leaves check_x_nchw.npy and check_y.npy (dlc's output) in --out, so the
   timing harnesses can verify the artifact they time against dlc too.

Prints one JSON line: {"max_abs_err": ..., "control_err": ..., "onnx": [...]}.
Needs only Python's standard library and torch (Debian's python3-torch).
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import torch  # noqa: E402

import npy  # noqa: E402
import torch_model  # noqa: E402

TOLERANCE = 1e-4


def dlc_reference(dlc, model, x_nhwc, workdir):
    """dlc's output for x (NHWC), through `dlc run` (JIT)."""
    x_path = os.path.join(workdir, "check_x.npy")
    y_path = os.path.join(workdir, "check_y.npy")
    npy.save(x_path, x_nhwc)
    cmd = [dlc, "run", model, "--input", x_path, "--output", y_path,
           "--batch", str(x_nhwc.shape[0])]
    result = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit("export_peers: `%s` failed: %s" % (" ".join(cmd), result.stderr.strip()))
    return npy.load(y_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--model", default=os.path.join(ROOT, "examples", "mnist_cnn.fb"))
    parser.add_argument("--dlc", default=os.path.join(ROOT, "build", "bin", "dlc"))
    parser.add_argument("--out", default=os.path.join(HERE, "build"))
    parser.add_argument("--batches", default="1,64")
    parser.add_argument("--check-batch", type=int, default=64)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)

    net = torch_model.load(args.model)
    input_shape = net._model["tensors"][net.input_index]["shape"]
    generator = torch.Generator().manual_seed(1234)
    x_nhwc = torch.rand([args.check_batch] + list(input_shape[1:]), generator=generator)
    x = torch_model.nhwc_to_nchw(x_nhwc)
    expected = dlc_reference(args.dlc, args.model, x_nhwc, args.out)

    with torch.no_grad():
        got = net(x)
        control = torch_model.load(args.model, nchw_flatten_bug=True)(x)
    if got.shape != expected.shape:
        sys.exit("export_peers: PyTorch output shape %s, dlc's %s"
                 % (list(got.shape), list(expected.shape)))
    err = (got - expected).abs().max().item()
    control_err = (control - expected).abs().max().item()
    if not err <= TOLERANCE:
        print("export_peers: PyTorch's model does NOT match dlc's: max |diff| = %.3g > %g "
              "on %d images; refusing to benchmark a different model"
              % (err, TOLERANCE, args.check_batch), file=sys.stderr)
        sys.exit(2)
    if not control_err > TOLERANCE:
        print("export_peers: warning: a wrong (NCHW-flatten) model also passes the check "
              "(max |diff| %.3g); the equality check is weak for this model" % control_err,
              file=sys.stderr)
    npy.save(os.path.join(args.out, "check_x_nchw.npy"), x)

    exported = []
    for batch in [int(b) for b in args.batches.split(",") if b]:
        path = os.path.join(args.out, "mnist_cnn_b%d.onnx" % batch)
        example = torch.zeros([batch] + list(x.shape[1:]))
        torch.onnx.export(net, example, path, opset_version=13, input_names=["input"],
                          output_names=["output"], do_constant_folding=True)
        exported.append(os.path.relpath(path, ROOT))
    print(json.dumps({"max_abs_err": err, "control_err": control_err,
                      "check_images": args.check_batch, "onnx": exported}))


if __name__ == "__main__":
    main()
