"""The reference CNN's conv blocks as models of their own, fused vs unfused.

    blocks.py [--model examples/mnist_cnn.fb] [--out bench/build]

Issue 3 asks for each conv + ReLU + pool block on its own, with fusion on and
off (`dlc bench --no-fusion`), so that what fusion buys shows up per block
rather than blurred over the whole network. This module cuts the three conv
blocks out of the .fb with their trained weights, writes each as FlatBuffer
JSON and has `flatc -b` turn it into a .fb under OUT/blocks/ (gitignored).
compare.py times them; run alone it only writes the models.

flatc 2.0.8 refuses `force_align: 64` on Buffer.data, so the schema is copied
with 32 instead: dlc's readers accept buffers aligned to 8, and the JIT copies
the weights into its own constants anyway.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import dlc_fb  # noqa: E402

# (block, conv op name, pool op name or None) in the reference CNN.
BLOCKS = [("conv1", "conv2d", "max_pooling2d"),
          ("conv2", "conv2d_1", "max_pooling2d_1"),
          ("conv3", "conv2d_2", None)]


def _shapes(in_shape, conv, kernel_shape, pool):
    """NHWC shapes (without the batch) of the conv output and the block output."""
    if conv["options"]["padding"] != "VALID" or pool and pool["options"]["padding"] != "VALID":
        raise ValueError("only VALID padding is handled here")
    _, h, w, _ = in_shape
    kh, kw, _, cout = kernel_shape
    o = conv["options"]
    oh, ow = (h - kh) // o["stride_h"] + 1, (w - kw) // o["stride_w"] + 1
    conv_out = [oh, ow, cout]
    if not pool:
        return conv_out, conv_out
    p = pool["options"]
    sh, sw = p["stride_h"] or p["filter_h"], p["stride_w"] or p["filter_w"]
    return conv_out, [(oh - p["filter_h"]) // sh + 1, (ow - p["filter_w"]) // sw + 1, cout]


def block_specs(model_path):
    """One dict per block: name, the FlatBuffer JSON, shapes and conv FLOPs per image."""
    m = dlc_fb.read_model(model_path)
    ops = {o["name"]: o for o in m["operators"]}
    tensors = m["tensors"]
    in_shape = tensors[m["inputs"][0]]["shape"]  # [-1, 28, 28, 1]
    specs = []
    for name, conv_name, pool_name in BLOCKS:
        conv, pool = ops[conv_name], ops.get(pool_name) if pool_name else None
        kernel, bias = (tensors[i] for i in conv["inputs"][1:3])
        conv_out, out = _shapes(in_shape, conv, kernel["shape"], pool)
        kh, kw, cin, cout = kernel["shape"]
        flops = 2 * conv_out[0] * conv_out[1] * cout * kh * kw * cin
        # Buffer 0 is the empty buffer of every tensor without data.
        buffers = [{}, {"data": list(m["buffers"][kernel["buffer"]])},
                   {"data": list(m["buffers"][bias["buffer"]])}]
        graph_tensors = [
            {"name": "input", "shape": [-1] + list(in_shape[1:])},
            {"name": kernel["name"], "shape": kernel["shape"], "buffer": 1},
            {"name": bias["name"], "shape": bias["shape"], "buffer": 2},
            {"name": conv_name, "shape": []},
        ]
        operators = [{"type": "CONV_2D", "name": conv_name, "inputs": [0, 1, 2],
                      "outputs": [3], "options_type": "Conv2DOptions",
                      "options": dict(conv["options"])}]
        if pool:
            graph_tensors.append({"name": pool_name, "shape": []})
            operators.append({"type": "MAX_POOL_2D", "name": pool_name, "inputs": [3],
                              "outputs": [4], "options_type": "Pool2DOptions",
                              "options": dict(pool["options"])})
        doc = {"version": 1, "description": "%s block of %s" % (name, os.path.basename(model_path)),
               "graph": {"name": name, "tensors": graph_tensors, "operators": operators,
                         "inputs": [0], "outputs": [len(graph_tensors) - 1]},
               "buffers": buffers}
        label = "%s: conv %dx%d %d%s" % (name, kh, kw, cout, " + ReLU" if
                                         conv["options"]["activation"] == "RELU" else "")
        if pool:
            p = pool["options"]
            label += " + max pool %dx%d" % (p["filter_h"], p["filter_w"])
        specs.append({"name": name, "label": label, "json": doc, "flops_per_image": flops,
                      "in_shape": list(in_shape[1:]), "out_shape": out,
                      "pooled": pool is not None})
        in_shape = [-1] + out
    return specs


def write_models(model_path, out_dir, flatc="flatc"):
    """Writes OUT/blocks/<name>.fb for every block; returns the specs with 'path'
    set (or 'error' when flatc is missing or fails)."""
    specs = block_specs(model_path)
    bdir = os.path.join(out_dir, "blocks")
    os.makedirs(bdir, exist_ok=True)
    exe = shutil.which(flatc)
    with open(os.path.join(ROOT, "schemas", "dlc_model.fbs")) as f:
        schema = re.sub(r"force_align:\s*64", "force_align: 32", f.read())
    schema_path = os.path.join(bdir, "dlc_model_align32.fbs")
    with open(schema_path, "w") as f:
        f.write(schema)
    for s in specs:
        if not exe:
            s["error"] = "flatc is not installed (apt-get install flatbuffers-compiler)"
            continue
        json_path = os.path.join(bdir, s["name"] + ".json")
        with open(json_path, "w") as f:
            json.dump(s["json"], f)
        p = subprocess.run([exe, "-b", "-o", bdir, schema_path, json_path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        path = os.path.join(bdir, s["name"] + ".fb")
        if p.returncode != 0 or not os.path.exists(path):
            s["error"] = "flatc failed: " + (p.stdout.strip().splitlines() or ["?"])[-1][:160]
        else:
            s["path"] = path
    return specs


def main():
    parser = argparse.ArgumentParser(description="write the CNN's conv blocks as .fb models")
    parser.add_argument("--model", default=os.path.join(ROOT, "examples", "mnist_cnn.fb"))
    parser.add_argument("--out", default=os.path.join(HERE, "build"))
    args = parser.parse_args()
    for s in write_models(args.model, args.out):
        print("%s: %s (%.2f MFLOP per image)" % (s.get("path", s.get("error")), s["label"],
                                                 s["flops_per_image"] / 1e6))


if __name__ == "__main__":
    main()
