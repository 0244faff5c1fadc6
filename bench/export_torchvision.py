#!/usr/bin/env python3
"""Exports torchvision's image classifiers to ONNX for the compile-time benchmark.

    export_torchvision.py --models resnet18,mobilenet_v2 [--out DIR] [--force]
    export_torchvision.py --list

Each model is built by torchvision (Debian's python3-torchvision, 0.14) with
random weights: torch.manual_seed(0) before it is built, then every BatchNorm
layer gets seeded random running statistics (mean ~ N(0, 0.1²), variance
~ U(0.5, 1.5)) so that folding them into the convolutions is not a no-op. The
model is put in eval mode and exported at batch 1 with

    torch.onnx.export(model, torch.randn(1, 3, 224, 224), DIR/NAME.onnx, opset_version=13)

Beside each NAME.onnx a stamp NAME.json records the torch and torchvision
versions, the opset, the parameter count, the file size, the export time, the
ONNX op types (when the onnx package is there) and any warnings the export
raised. A model whose stamp says the same torchvision version and opset is not
exported again (unless --force). Models are exported one at a time, in the
order given; one that fails is reported and the others go on.

The output directory defaults to $DLC_BENCH_MODELS, or
~/.cache/dlc-bench/torchvision: the .onnx files are large (vit_b_16 is
346 MB) and never belong in the repository.

Prints one JSON object per model on stdout:
{"model": ..., "status": "exported" | "cached" | "error", "path": ..., ...}.
The exit status is 1 if any model failed.
"""

import argparse
import datetime
import json
import os
import sys
import time
import warnings

OPSET = 13
INPUT_SHAPE = (1, 3, 224, 224)

# The models of the benchmark, in its order, with the builder arguments that
# differ from torchvision's defaults.
MODELS = {
    "resnet18": {},
    "resnet50": {},
    "mobilenet_v2": {},
    "mobilenet_v3_small": {},
    "squeezenet1_1": {},
    "shufflenet_v2_x1_0": {},
    "efficientnet_b0": {},
    "densenet121": {},
    # Without pretrained weights GoogLeNet keeps its two auxiliary heads
    # (training only) and warns about its weight initialization unless
    # init_weights is given; transform_input is already off without weights.
    "googlenet": {"aux_logits": False, "init_weights": True},
    "mnasnet1_0": {},
    "regnet_y_400mf": {},
    "convnext_tiny": {},
    "vit_b_16": {},
    "alexnet": {},
}


def default_out_dir():
    """$DLC_BENCH_MODELS, or ~/.cache/dlc-bench/torchvision."""
    return os.environ.get("DLC_BENCH_MODELS") or os.path.join(
        os.path.expanduser("~"), ".cache", "dlc-bench", "torchvision")


def paths(out_dir, name):
    """The model's .onnx file and its stamp."""
    return os.path.join(out_dir, name + ".onnx"), os.path.join(out_dir, name + ".json")


def read_stamp(out_dir, name):
    """The stamp of an exported model, or None when the model or stamp is missing."""
    onnx_path, stamp_path = paths(out_dir, name)
    if not os.path.exists(onnx_path):
        return None
    try:
        with open(stamp_path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def is_current(stamp, torchvision_version):
    """Whether a stamp describes an export by this torchvision at this opset."""
    return bool(stamp) and stamp.get("torchvision") == torchvision_version and \
        stamp.get("opset") == OPSET


def randomize_batchnorm(model, seed):
    """Seeded random running statistics for every BatchNorm layer (fresh
    layers have mean 0 and variance 1, which fold into nothing)."""
    import torch
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm) and \
                module.running_mean is not None:
            n = module.running_mean.numel()
            with torch.no_grad():
                module.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)


def build_model(name):
    """The model with seeded random weights and statistics, in eval mode."""
    import torch
    import torchvision
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None, **MODELS[name])
    randomize_batchnorm(model, seed=1)
    return model.eval()


def onnx_op_types(path):
    """{op type: count} of the exported graph, or None without the onnx package."""
    try:
        import onnx
    except ImportError:
        return None
    graph = onnx.load(path, load_external_data=False).graph
    counts = {}
    for node in graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return dict(sorted(counts.items()))


def export_one(name, out_dir):
    """Exports one model (to a temporary name, renamed when complete) and
    writes its stamp; returns the stamp."""
    import torch
    import torchvision
    onnx_path, stamp_path = paths(out_dir, name)
    partial = onnx_path + ".partial"
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = build_model(name)
        params = sum(p.numel() for p in model.parameters())
        example = torch.randn(*INPUT_SHAPE)
        # With gradients off, nn.MultiheadAttention (vit_b_16) takes its
        # fused fast path, an op the ONNX exporter of torch 1.13 does not
        # know; with them on it runs the plain ops, which export.
        grad = any(isinstance(m, torch.nn.MultiheadAttention)
                   for m in model.modules())
        with torch.set_grad_enabled(grad):
            torch.onnx.export(model, example, partial, opset_version=OPSET)
    seconds = time.perf_counter() - start
    os.replace(partial, onnx_path)
    messages = []
    for w in caught:
        text = "%s: %s" % (w.category.__name__, str(w.message).splitlines()[0][:200])
        if text not in messages:
            messages.append(text)
    stamp = {
        "model": name,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "opset": OPSET,
        "input_shape": list(INPUT_SHAPE),
        "params": params,
        "onnx_bytes": os.path.getsize(onnx_path),
        "export_seconds": round(seconds, 2),
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "warnings": messages,
        "ops": onnx_op_types(onnx_path),
    }
    with open(stamp_path + ".partial", "w") as f:
        json.dump(stamp, f, indent=1)
        f.write("\n")
    os.replace(stamp_path + ".partial", stamp_path)
    return stamp


def parse_models(text):
    """The comma-separated model list, checked against MODELS."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit("export_torchvision: unknown model(s) %s (known: %s)"
                 % (", ".join(unknown), ", ".join(MODELS)))
    return names


def main():
    parser = argparse.ArgumentParser(description="Export torchvision models to ONNX (opset 13)")
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated list (default: all %d)" % len(MODELS))
    parser.add_argument("--out", default=default_out_dir(), help="models directory")
    parser.add_argument("--force", action="store_true", help="export even if already exported")
    parser.add_argument("--list", action="store_true", help="print the known models and exit")
    args = parser.parse_args()
    if args.list:
        print("\n".join(MODELS))
        return 0
    names = parse_models(args.models)
    os.makedirs(args.out, exist_ok=True)

    import torch
    import torchvision
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    failed = 0
    for name in names:
        onnx_path, _ = paths(args.out, name)
        stamp = read_stamp(args.out, name)
        if not args.force and is_current(stamp, torchvision.__version__):
            print(json.dumps({"model": name, "status": "cached", "path": onnx_path, **stamp}),
                  flush=True)
            continue
        print("export_torchvision: exporting %s ..." % name, file=sys.stderr, flush=True)
        try:
            stamp = export_one(name, args.out)
        except Exception as e:  # one model's failure must not stop the others
            failed += 1
            first = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
            print(json.dumps({"model": name, "status": "error", "error": first}), flush=True)
            print("export_torchvision: %s failed: %s" % (name, first), file=sys.stderr)
            continue
        print("export_torchvision: %s: %.1f M params, %.1f MB, %.1f s" % (
            name, stamp["params"] / 1e6, stamp["onnx_bytes"] / 1e6, stamp["export_seconds"]),
            file=sys.stderr, flush=True)
        print(json.dumps({"model": name, "status": "exported", "path": onnx_path, **stamp}),
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
