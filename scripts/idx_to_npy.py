#!/usr/bin/env python3
"""Converts images of an IDX file (MNIST's format, gzipped or not) to a
float32 .npy array of shape [N, rows, cols, 1] scaled to [0, 1].

usage: idx_to_npy.py IMAGES.idx[.gz] OUT.npy [--count N]
Only the standard library is used, so it runs on a bare machine.
"""
import argparse
import gzip
import struct
import sys


def read_idx_images(path, count):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        header = f.read(16)
        if len(header) != 16:
            sys.exit(f"{path}: truncated IDX header")
        magic, n, rows, cols = struct.unpack(">IIII", header)
        if magic != 0x00000803:
            sys.exit(f"{path}: not an IDX image file (magic {magic:#010x})")
        n = min(n, count) if count else n
        data = f.read(n * rows * cols)
        if len(data) != n * rows * cols:
            sys.exit(f"{path}: truncated image data")
    return n, rows, cols, data


def write_npy(path, shape, values):
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % dims
    # The header (with magic, version and length) is padded to 64 bytes.
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode("latin1"))
        f.write(struct.pack("<%df" % len(values), *values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images")
    parser.add_argument("output")
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args()
    n, rows, cols, data = read_idx_images(args.images, args.count)
    write_npy(args.output, (n, rows, cols, 1), [b / 255.0 for b in data])


if __name__ == "__main__":
    main()
