"""Minimal .npy (format 1.0, little-endian float32, C order) reading and writing
with torch tensors, so the benchmark needs no NumPy code of its own."""

import ast
import struct

import torch

_MAGIC = b"\x93NUMPY"


def save(path, tensor):
    t = tensor.detach().to(torch.float32).contiguous()
    shape = tuple(t.shape)
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (shape,)
    # Magic (6) + version (2) + header length (2) + header, padded to 64 bytes.
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(_MAGIC + b"\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        values = t.flatten().tolist()
        f.write(struct.pack("<%df" % len(values), *values))


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != _MAGIC:
        raise ValueError("%s: not a .npy file" % path)
    major = data[6]
    if major == 1:
        (hlen,), start = struct.unpack_from("<H", data, 8), 10
    else:
        (hlen,), start = struct.unpack_from("<I", data, 8), 12
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    if header["descr"] != "<f4" or header["fortran_order"]:
        raise ValueError("%s: expected little-endian float32 in C order" % path)
    values = torch.frombuffer(bytearray(data[start + hlen:]), dtype=torch.float32)
    return values.reshape(header["shape"]).clone()
