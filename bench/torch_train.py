#!/usr/bin/python3
"""Trains the reference CNN in PyTorch 1.13 on Fashion-MNIST: the peer of `dlc train`.

    torch_train.py [--epochs 5] [--steps 200] [--warmup 20] [--threads 2]
                   [--data /usr/share/datasets/fashion-mnist]
                   [--model examples/mnist_cnn.fb] [--seed 20240601]
                   [--dlc build/bin/dlc] [--json]

The network is the one in examples/make_mnist_cnn.cpp, started from the very
weights stored in the .fb (read with bench/dlc_fb.py), and trained as
docs/TRAINING.md says dlc trains it: softmax + categorical cross-entropy
computed from the logits (nn.CrossEntropyLoss), Adam lr 1e-3 with Keras's
epsilon 1e-7, batch 64, reshuffled every epoch, the last partial batch kept.

Layouts: dlc's activations are NHWC, conv filters HWIO, dense weights
[in, out]. Here the images are kept NHWC and handed to PyTorch as an NCHW view
with channels_last strides (the same bytes), the model runs channels_last, and
the flatten permutes to NHWC first; on a channels_last tensor that permute is
a free view, so the dense weights keep dlc's row order as they are. Before
training, the initial forward pass must equal `dlc run` on real test images
(or, when the dlc binary is unavailable, the independently built bench/
torch_model.py network, which folds the flatten order into the dense rows
instead), and a deliberately wrong NCHW flatten must fail that same check.

Speed settings are the best measured for PyTorch on this machine:
torch.set_num_threads(T), channels_last, glibc malloc thresholds raised,
OpenBLAS single-threaded, OMP_NUM_THREADS=T (the script re-executes itself
once to set the environment), the data set decoded once into tensors and
batched by indexing (no DataLoader workers: there are only two cores).

Measures:
- step time: --steps timed train steps (forward + loss + backward +
  optimizer.step) after --warmup untimed ones, each timed on its own, on a
  copy of the initial model so the epochs below still start from the .fb;
- per epoch: wall time of the training pass including the shuffle and the
  batching (the test evaluation is timed apart), the mean training loss (what
  Keras reports as "loss") and the test accuracy on the 10000 test images.
Images/s and GFLOP/s use 16.4 MFLOP per image per train step.

`--epochs 0 --steps 200` measures the step time alone (a few seconds).
Without --json a readable summary goes to stdout; with --json progress goes
to stderr and stdout gets one JSON object.
"""

import argparse
import copy
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from machine import OtherLoad, ensure_torch_environment, loadavg  # noqa: E402

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
# Forward 5.59 MFLOP per image (dlc summary) plus backward, which is about
# twice that except the first conv, whose input gradient is never needed.
MFLOP_PER_IMAGE_STEP = 16.4
CHECK_TOLERANCE = 1e-4


def percentile(sorted_values, p):
    """Nearest rank, as `dlc bench` computes it."""
    index = int(p * (len(sorted_values) - 1) + 0.5)
    return sorted_values[min(index, len(sorted_values) - 1)]


# ---------------------------------------------------------------- data

def read_idx(path):
    """An IDX file (gzipped or not) as (dims, bytes): magic 0x0000 0x08 rank, u8 data."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError("%s: not an IDX file of unsigned bytes" % path)
    rank = data[3]
    dims = list(struct.unpack_from(">%dI" % rank, data, 4))
    start = 4 + 4 * rank
    count = 1
    for d in dims:
        count *= d
    if len(data) - start != count:
        raise ValueError("%s: %d data bytes, dims %s need %d" % (path, len(data) - start, dims, count))
    return dims, data[start:]


def find_idx(directory, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError("%s: no %s(.gz); apt-get install dataset-fashion-mnist, or pass --data"
                            % (directory, stem))


def load_split(torch, directory, prefix):
    """Images as float32 NHWC [N, 28, 28, 1] scaled to [0, 1], labels as int64 [N]."""
    dims, pixels = read_idx(find_idx(directory, prefix + "-images-idx3-ubyte"))
    ldims, labels = read_idx(find_idx(directory, prefix + "-labels-idx1-ubyte"))
    if len(dims) != 3 or ldims != dims[:1]:
        raise ValueError("%s: %s images %s do not match labels %s" % (directory, prefix, dims, ldims))
    x = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).reshape(dims[0], dims[1], dims[2], 1)
    y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).to(torch.int64)
    return x.to(torch.float32).div_(255.0), y


def as_nchw(x_nhwc):
    """NHWC bytes seen as an NCHW tensor with channels_last strides: no copy."""
    return x_nhwc.permute(0, 3, 1, 2)


# ---------------------------------------------------------------- model

# The graph examples/make_mnist_cnn.cpp writes; anything else is refused,
# since this script would silently train a different network.
EXPECTED_OPS = [
    ("CONV_2D", "RELU"), ("MAX_POOL_2D", None), ("CONV_2D", "RELU"), ("MAX_POOL_2D", None),
    ("CONV_2D", "RELU"), ("FLATTEN", None), ("DENSE", "RELU"), ("DENSE", "NONE"),
    ("SOFTMAX", None),
]


def read_weights(torch, path):
    """The CNN's weights from the .fb in dlc's layouts: conv HWIO, dense [in, out]."""
    import dlc_fb
    model = dlc_fb.read_model(path)
    ops = model["operators"]
    kinds = [(op["type"], op["options"].get("activation")) for op in ops]
    if kinds != EXPECTED_OPS:
        raise ValueError("%s: not the reference CNN of examples/make_mnist_cnn.cpp (ops %s)"
                         % (path, [k for k, _ in kinds]))
    for op in ops:
        o = op["options"]
        if op["type"] == "CONV_2D" and (o["padding"] != "VALID" or o["stride_h"] != 1 or
                                        o["stride_w"] != 1 or o["dilation_h"] != 1 or
                                        o["dilation_w"] != 1):
            raise ValueError("%s: %s is not a stride-1 VALID conv" % (path, op["name"]))
        if op["type"] == "MAX_POOL_2D" and (o["filter_h"], o["filter_w"], o["stride_h"] or 2,
                                            o["stride_w"] or 2, o["padding"]) != (2, 2, 2, 2, "VALID"):
            raise ValueError("%s: %s is not a 2x2/2 VALID max pool" % (path, op["name"]))

    def tensor(index):
        t = model["tensors"][index]
        if t["dtype"] != "FLOAT32" or t["buffer"] == 0:
            raise ValueError("%s: tensor %s holds no float32 weights" % (path, t["name"]))
        values = torch.frombuffer(bytearray(model["buffers"][t["buffer"]]), dtype=torch.float32)
        return values.reshape(t["shape"]).clone()

    weights = []  # [(kernel, bias)] for conv, conv, conv, dense, dense
    for op in ops:
        if op["type"] in ("CONV_2D", "DENSE"):
            weights.append((tensor(op["inputs"][1]), tensor(op["inputs"][2])))
    shapes = [tuple(k.shape) for k, _ in weights]
    if shapes != [(3, 3, 1, 32), (3, 3, 32, 64), (3, 3, 64, 64), (576, 64), (64, 10)]:
        raise ValueError("%s: unexpected weight shapes %s" % (path, shapes))
    return weights


def build_model(torch, weights, nchw_flatten_bug=False):
    nn = torch.nn

    class ReferenceCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3)
            self.conv2 = nn.Conv2d(32, 64, 3)
            self.conv3 = nn.Conv2d(64, 64, 3)
            self.fc1 = nn.Linear(576, 64)
            self.fc2 = nn.Linear(64, 10)

        def forward(self, x):
            """Logits; the model's softmax is folded into the loss."""
            f = torch.nn.functional
            x = f.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = f.max_pool2d(torch.relu(self.conv2(x)), 2)
            x = torch.relu(self.conv3(x))
            # dlc flattens NHWC, i.e. in (h, w, c) order.
            x = x.flatten(1) if nchw_flatten_bug else x.permute(0, 2, 3, 1).flatten(1)
            return self.fc2(torch.relu(self.fc1(x)))

    net = ReferenceCNN()
    layers = [net.conv1, net.conv2, net.conv3, net.fc1, net.fc2]
    with torch.no_grad():
        for layer, (kernel, bias) in zip(layers, weights):
            if isinstance(layer, nn.Conv2d):
                layer.weight.copy_(kernel.permute(3, 2, 0, 1))  # HWIO -> OIHW
            else:
                layer.weight.copy_(kernel.t())  # [in, out] -> [out, in]
            layer.bias.copy_(bias)
    return net.to(memory_format=torch.channels_last)


def dlc_probabilities(torch, dlc, model_path, x_nhwc):
    """`dlc run` on x (NHWC): dlc's softmax output, or (None, reason)."""
    import npy
    if not (dlc and os.access(dlc, os.X_OK)):
        return None, "%s not found" % dlc
    with tempfile.TemporaryDirectory(prefix="dlc-torch-train-") as tmp:
        x_path, y_path = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        npy.save(x_path, x_nhwc)
        cmd = [dlc, "run", model_path, "--input", x_path, "--output", y_path,
               "--batch", str(x_nhwc.shape[0])]
        try:
            result = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, "`dlc run` failed: %s" % e
        if result.returncode != 0:
            return None, "`dlc run` failed: %s" % result.stderr.strip()[-300:]
        return npy.load(y_path), None


def check_initial_forward(torch, net, weights, args, x_nhwc, log):
    """The untrained PyTorch model must compute what the .fb computes."""
    import torch_model
    x = as_nchw(x_nhwc)
    with torch.no_grad():
        got = torch.softmax(net(x), dim=1)
        wrong = torch.softmax(build_model(torch, weights, nchw_flatten_bug=True)(x), dim=1)
    reference, why = dlc_probabilities(torch, args.dlc, args.model, x_nhwc)
    if reference is not None:
        against = "dlc run"
    else:
        # torch_model.py reaches dlc's flatten order differently (NCHW
        # activations, dense rows permuted), so agreeing with it still
        # catches a layout mistake here.
        log("torch_train: %s; checking against bench/torch_model.py instead" % why)
        against = "torch_model.py"
        with torch.no_grad():
            reference = torch_model.load(args.model)(torch_model.nhwc_to_nchw(x_nhwc))
    err = (got - reference).abs().max().item()
    control = (wrong - reference).abs().max().item()
    if not err <= CHECK_TOLERANCE:
        sys.exit("torch_train: the PyTorch model does NOT match the .fb (%s): max |diff| %.3g "
                 "on %d images; refusing to train a different model" % (against, err, len(x)))
    if not control > CHECK_TOLERANCE:
        log("torch_train: warning: a wrong NCHW-flatten model also passes the check "
            "(max |diff| %.3g); the check is weak" % control)
    return {"against": against, "images": len(x), "max_abs_err": err, "control_err": control}


# ---------------------------------------------------------------- training

def make_optimizer(torch, net):
    # Keras's epsilon. PyTorch adds it to sqrt(v_hat), Keras to sqrt(v): the
    # same update up to an epsilon scaled by sqrt(1 - beta2^t), negligible
    # after the first few steps.
    return torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)


def make_step(torch, net, optimizer):
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(x, y):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def time_steps(torch, net, x_train, y_train, batch, warmup, steps, seed):
    """Median-able list of train-step times (ms) on a copy of the model."""
    net = copy.deepcopy(net)
    step = make_step(torch, net, make_optimizer(torch, net))
    order = torch.randperm(len(x_train), generator=torch.Generator().manual_seed(seed + 1))
    n_batches = len(x_train) // batch
    ms = []
    for i in range(warmup + steps):
        idx = order[(i % n_batches) * batch:(i % n_batches + 1) * batch]
        x, y = as_nchw(x_train.index_select(0, idx)), y_train.index_select(0, idx)
        start = time.perf_counter()
        step(x, y)
        elapsed = (time.perf_counter() - start) * 1e3
        if i >= warmup:
            ms.append(elapsed)
    return ms


def evaluate(torch, net, x_test, y_test, batch=1000):
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x_test), batch):
            logits = net(as_nchw(x_test[i:i + batch]))
            correct += (logits.argmax(1) == y_test[i:i + batch]).sum().item()
    return correct / len(x_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200,
                        help="timed train steps for the step time (0: none)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--model", default=os.path.join(ROOT, "examples", "mnist_cnn.fb"))
    parser.add_argument("--dlc", default=os.path.join(ROOT, "build", "bin", "dlc"),
                        help="dlc binary for the initial-forward check (skipped if missing)")
    parser.add_argument("--check-images", type=int, default=64)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.epochs < 0 or args.steps < 0 or (args.epochs == 0 and args.steps == 0):
        parser.error("nothing to do: give --epochs or --steps")
    ensure_torch_environment(args.threads, "DLC_TORCH_TRAIN_REEXEC")
    load_before = loadavg()

    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    def log(msg):
        print(msg, file=sys.stderr if args.json else sys.stdout, flush=True)

    start = time.perf_counter()
    x_train, y_train = load_split(torch, args.data, "train")
    x_test, y_test = load_split(torch, args.data, "t10k")
    load_seconds = time.perf_counter() - start
    log("torch_train: PyTorch %s, %d threads; %d train and %d test images from %s (%.2f s)"
        % (torch.__version__, args.threads, len(x_train), len(x_test), args.data, load_seconds))

    weights = read_weights(torch, args.model)
    net = build_model(torch, weights)
    check = check_initial_forward(torch, net, weights, args, x_test[:args.check_images], log)
    log("torch_train: initial forward equals %s: max |diff| %.2g on %d images "
        "(a wrong NCHW flatten: %.2g)" % (check["against"], check["max_abs_err"],
                                           check["images"], check["control_err"]))
    initial_accuracy = evaluate(torch, net, x_test, y_test)

    result = {"peer": "pytorch", "version": torch.__version__, "threads": args.threads,
              "batch": args.batch, "seed": args.seed, "data": args.data,
              "train_images": len(x_train), "test_images": len(x_test),
              "mflop_per_image_step": MFLOP_PER_IMAGE_STEP, "load_seconds": load_seconds,
              "check": check, "initial_test_accuracy": initial_accuracy}

    if args.steps:
        other_load = OtherLoad()
        ms = sorted(time_steps(torch, net, x_train, y_train, args.batch, args.warmup,
                               args.steps, args.seed))
        median = percentile(ms, 0.5)
        result.update({"steps": args.steps, "warmup": args.warmup, "step_ms": median,
                       "step_p10_ms": percentile(ms, 0.1), "step_p90_ms": percentile(ms, 0.9),
                       "step_images_per_s": args.batch * 1e3 / median,
                       "step_other_cores": other_load.cores()})
        log("torch_train: train step (batch %d) median %.2f ms, p10-p90 %.2f-%.2f ms over %d steps"
            " (other jobs %s cores)" % (args.batch, median, result["step_p10_ms"],
                                        result["step_p90_ms"], args.steps,
                                        result["step_other_cores"]))

    epoch_seconds, eval_seconds, accuracy, losses = [], [], [], []
    epoch_step_ms, epoch_step_seconds, epoch_other = [], [], []
    other_load = OtherLoad()
    optimizer = make_optimizer(torch, net)
    step = make_step(torch, net, optimizer)
    shuffle = torch.Generator().manual_seed(args.seed)
    n = len(x_train)
    for epoch in range(args.epochs):
        net.train()
        step_ms, loss_sum = [], 0.0
        other_load.start()
        start = time.perf_counter()
        order = torch.randperm(n, generator=shuffle)
        for first in range(0, n, args.batch):  # the last partial batch is kept
            idx = order[first:first + args.batch]
            x, y = as_nchw(x_train.index_select(0, idx)), y_train.index_select(0, idx)
            t0 = time.perf_counter()
            loss = step(x, y)
            step_ms.append((time.perf_counter() - t0) * 1e3)
            loss_sum += loss.item() * len(idx)
        epoch_seconds.append(time.perf_counter() - start)
        losses.append(loss_sum / n)
        epoch_step_ms.append(percentile(sorted(step_ms), 0.5))
        # The rest of the epoch is data handling; a sum far above
        # batches x median means steps were stalled (another job on a core).
        epoch_step_seconds.append(sum(step_ms) / 1e3)
        # Another job on a core stalls every OpenMP barrier: measure it per
        # epoch so that a disturbed epoch can be told from a slow system.
        epoch_other.append(other_load.cores())
        start = time.perf_counter()
        net.eval()
        accuracy.append(evaluate(torch, net, x_test, y_test))
        eval_seconds.append(time.perf_counter() - start)
        log("torch_train: epoch %d/%d: %.2f s (%.0f images/s; steps %.2f s, median %.2f ms), "
            "loss %.4f, test accuracy %.2f%% (eval %.2f s), other jobs %s cores"
            % (epoch + 1, args.epochs, epoch_seconds[-1], n / epoch_seconds[-1],
               epoch_step_seconds[-1], epoch_step_ms[-1], losses[-1], 100 * accuracy[-1],
               eval_seconds[-1], epoch_other[-1]))

    if args.epochs:
        images_per_s = n * args.epochs / sum(epoch_seconds)
        result.update({"epochs": args.epochs, "epoch_seconds": epoch_seconds,
                       "eval_seconds": eval_seconds, "epoch_loss": losses,
                       "final_loss": losses[-1], "test_accuracy": accuracy,
                       "epoch_step_ms": epoch_step_ms, "epoch_step_seconds": epoch_step_seconds,
                       "epoch_other_cores": epoch_other,
                       "images_per_s": images_per_s})
        if "step_ms" not in result:
            result["step_ms"] = percentile(sorted(epoch_step_ms), 0.5)
    else:
        result["epochs"] = 0
        result["images_per_s"] = result["step_images_per_s"]
    result["gflops"] = result["images_per_s"] * MFLOP_PER_IMAGE_STEP / 1e3
    result["loadavg_before"] = load_before
    result["loadavg_after"] = loadavg()

    if args.json:
        print(json.dumps(result), flush=True)
    else:
        log("torch_train: %.0f images/s, %.1f GFLOP/s (%.1f MFLOP per image per step)%s"
            % (result["images_per_s"], result["gflops"], MFLOP_PER_IMAGE_STEP,
               ", final loss %.4f" % result["final_loss"] if args.epochs else ""))


if __name__ == "__main__":
    main()
