"""Checks dlc's output for twin_blocks.onnx (make_onnx.py) against NumPy.

    check_twin_blocks.py MODEL.onnx INPUT.npy OUTPUT.npy
"""

import sys

import numpy as np
import onnx
from onnx import numpy_helper


def conv_relu(x, w, b):
    """3x3 convolution, padding 1, stride 1, NCHW, then ReLU."""
    h, wd = x.shape[2], x.shape[3]
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    y = np.zeros((x.shape[0], w.shape[0], h, wd), np.float64)
    for kh in range(3):
        for kw in range(3):
            y += np.einsum("nchw,oc->nohw", padded[:, :, kh:kh + h, kw:kw + wd],
                           w[:, :, kh, kw])
    return np.maximum(y + b[None, :, None, None], 0)


def main(model_path, input_path, output_path):
    weights = {t.name: numpy_helper.to_array(t).astype(np.float64)
               for t in onnx.load(model_path).graph.initializer}
    x = np.load(input_path).astype(np.float64)
    for i in (1, 2, 3):
        x = conv_relu(x, weights["w%d" % i], weights["b%d" % i])
    got = np.load(output_path)
    err = np.abs(got - x).max()
    if got.shape != x.shape or err > 1e-4 * max(1.0, np.abs(x).max()):
        sys.exit("mismatch: shape %s vs %s, max error %g"
                 % (got.shape, x.shape, err))
    print("numpy ok")


if __name__ == "__main__":
    main(*sys.argv[1:])
