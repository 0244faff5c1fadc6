#!/usr/bin/env python3
"""One model of the zoo test: torchvision's NAME, exported to ONNX and run by
dlc, against PyTorch.

    check_model.py --dlc PATH [--work DIR] NAME

The model is built as bench/export_torchvision.py builds it (seeded random
weights, batch-norm statistics that are not the identity); vit_b_16's
classifier head, zero in torchvision, gets seeded random weights too so that
its output says something. It is exported at batch 1 (opset 13), compiled by
`dlc compile`, run by `dlc run` on a seeded random image with 1 and with 2
threads, and compared with PyTorch's output:
max |difference| <= 1e-3 * max |reference| + 1e-5, and the two thread counts
must agree bit for bit. Exit status 0 when both hold.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "bench"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dlc", required=True)
    p.add_argument("--work")
    p.add_argument("name")
    a = p.parse_args()

    import numpy as np
    import torch
    import export_torchvision as ex

    model = ex.build_model(a.name)
    if a.name == "vit_b_16":
        torch.manual_seed(11)
        with torch.no_grad():
            model.heads.head.weight.normal_(0, 0.02)
            model.heads.head.bias.normal_(0, 0.02)
    torch.manual_seed(5)
    x = torch.randn(*ex.INPUT_SHAPE)
    work = a.work or tempfile.mkdtemp(prefix="dlc-zoo-")
    os.makedirs(work, exist_ok=True)
    onnx_path = os.path.join(work, a.name + ".onnx")
    # As export_torchvision.py: the attention's fused fast path has no ONNX
    # export in torch 1.13, the plain ops do.
    grad = any(isinstance(m, torch.nn.MultiheadAttention)
               for m in model.modules())
    with torch.set_grad_enabled(grad):
        torch.onnx.export(model, x, onnx_path, opset_version=ex.OPSET)
    with torch.no_grad():
        ref = model(x).numpy()

    x_path = os.path.join(work, a.name + "-x.npy")
    np.save(x_path, x.numpy())
    so = os.path.join(work, a.name + ".so")
    subprocess.run([a.dlc, "compile", onnx_path, "--batch", "1", "-o", so,
                    "--max-memory", "8G"], check=True)
    outputs = []
    for threads in (1, 2):
        y_path = os.path.join(work, f"{a.name}-y{threads}.npy")
        subprocess.run([a.dlc, "run", so, "--input", x_path, "--output",
                        y_path, "--threads", str(threads)], check=True,
                       stdout=subprocess.DEVNULL)
        outputs.append(np.load(y_path).reshape(ref.shape))
    diff = float(np.abs(outputs[0] - ref).max())
    scale = float(np.abs(ref).max())
    same = np.array_equal(outputs[0], outputs[1])
    ok = diff <= 1e-3 * scale + 1e-5 and same
    print(f"{a.name}: max |dlc - torch| {diff:.3g} (max |torch| {scale:.3g}); "
          f"1 and 2 threads {'identical' if same else 'DIFFER'}: "
          f"{'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
