"""Reads a dlc model (.fb, schemas/dlc_model.fbs) with the standard library.

Only what the peer exporter needs: the graph's tensors (name, dtype, shape,
buffer), the buffers' bytes and the operators (type, name, inputs, outputs,
options). No generated code and no flatbuffers package, so the benchmark needs
nothing beyond Python and PyTorch.

FlatBuffers in brief (all little-endian): the file starts with a u32 offset to
the root table. A table starts with an i32 that, subtracted from the table's
position, gives its vtable: u16 vtable size, u16 table size, then one u16 per
field id holding the field's offset inside the table (0 = absent, use the
default). Scalars are stored inline; strings, vectors and sub-tables are stored
as a u32 offset relative to the field's own position. A vector is a u32 length
followed by its elements; a vector of tables holds u32 offsets, each relative
to its own slot. A union takes two field ids: a u8 type, then the table.
"""

import struct

# Field ids are positions in schemas/dlc_model.fbs; keep them in sync.
MODEL_VERSION, MODEL_GRAPH, MODEL_BUFFERS = 0, 2, 3
GRAPH_TENSORS, GRAPH_OPERATORS, GRAPH_INPUTS, GRAPH_OUTPUTS = 1, 2, 3, 4
TENSOR_NAME, TENSOR_DTYPE, TENSOR_SHAPE, TENSOR_BUFFER = 0, 1, 2, 3
BUFFER_DATA = 0
OP_TYPE, OP_NAME, OP_INPUTS, OP_OUTPUTS, OP_OPTIONS_TYPE, OP_OPTIONS = range(6)

OP_TYPES = [
    "CONV_2D", "DEPTHWISE_CONV_2D", "DENSE", "MAX_POOL_2D", "AVG_POOL_2D",
    "GLOBAL_AVG_POOL", "RESHAPE", "FLATTEN", "TRANSPOSE", "CONCAT", "PAD", "ADD",
    "SUB", "MUL", "DIV", "RELU", "RELU6", "LEAKY_RELU", "SIGMOID", "TANH",
    "SOFTMAX", "LOG_SOFTMAX", "BATCH_NORM", "DROPOUT", "CLIP", "BATCH_MATMUL",
    "SQRT", "ERF", "EXP", "LOG",
]
DTYPES = ["FLOAT32", "INT32", "INT64", "UINT8"]
PADDINGS = ["VALID", "SAME", "EXPLICIT"]
ACTIVATIONS = ["NONE", "RELU", "RELU6", "LEAKY_RELU", "SIGMOID", "TANH",
               "SQRT", "ERF", "EXP", "LOG"]

# OpOptions union: member index -> (name, [(field, struct format, default)]),
# fields listed in id order. Enum-valued fields are decoded below.
_WINDOW = [("stride_h", "<i", 1), ("stride_w", "<i", 1), ("dilation_h", "<i", 1),
           ("dilation_w", "<i", 1), ("padding", "<b", 0), ("pad_top", "<i", 0),
           ("pad_bottom", "<i", 0), ("pad_left", "<i", 0), ("pad_right", "<i", 0),
           ("activation", "<b", 0), ("leaky_alpha", "<f", 0.2)]
OPTIONS = {
    1: ("Conv2DOptions", _WINDOW),
    2: ("DepthwiseConv2DOptions", _WINDOW),
    3: ("Pool2DOptions", [("filter_h", "<i", 2), ("filter_w", "<i", 2), ("stride_h", "<i", 0),
                          ("stride_w", "<i", 0), ("padding", "<b", 0), ("pad_top", "<i", 0),
                          ("pad_bottom", "<i", 0), ("pad_left", "<i", 0), ("pad_right", "<i", 0),
                          ("count_include_pad", "<?", False)]),
    4: ("DenseOptions", [("activation", "<b", 0), ("leaky_alpha", "<f", 0.2)]),
    9: ("LeakyReluOptions", [("alpha", "<f", 0.2)]),
    10: ("SoftmaxOptions", [("axis", "<i", -1)]),
}


class FormatError(Exception):
    pass


class _Reader:
    def __init__(self, data):
        self.data = data

    def _unpack(self, fmt, pos):
        size = struct.calcsize(fmt)
        if pos < 0 or pos + size > len(self.data):
            raise FormatError("offset %d out of range (file has %d bytes)" % (pos, len(self.data)))
        return struct.unpack_from(fmt, self.data, pos)[0]

    def field(self, table, fid):
        """Absolute position of field `fid` of the table at `table`, or None."""
        vtable = table - self._unpack("<i", table)
        vsize = self._unpack("<H", vtable)
        slot = 4 + 2 * fid
        if slot + 2 > vsize:
            return None
        off = self._unpack("<H", vtable + slot)
        return table + off if off else None

    def scalar(self, table, fid, fmt, default):
        pos = self.field(table, fid)
        return default if pos is None else self._unpack(fmt, pos)

    def indirect(self, table, fid):
        """Target of an offset field (string, vector, table), or None."""
        pos = self.field(table, fid)
        return None if pos is None else pos + self._unpack("<I", pos)

    def string(self, table, fid):
        pos = self.indirect(table, fid)
        if pos is None:
            return None
        n = self._unpack("<I", pos)
        return bytes(self.data[pos + 4:pos + 4 + n]).decode("utf-8")

    def scalars(self, table, fid, fmt):
        pos = self.indirect(table, fid)
        if pos is None:
            return []
        n, size = self._unpack("<I", pos), struct.calcsize(fmt)
        return [self._unpack(fmt, pos + 4 + i * size) for i in range(n)]

    def tables(self, table, fid):
        pos = self.indirect(table, fid)
        if pos is None:
            return []
        n = self._unpack("<I", pos)
        slots = [pos + 4 + 4 * i for i in range(n)]
        return [s + self._unpack("<I", s) for s in slots]

    def bytes_vector(self, table, fid):
        pos = self.indirect(table, fid)
        if pos is None:
            return b""
        n = self._unpack("<I", pos)
        return bytes(self.data[pos + 4:pos + 4 + n])


def read_model(path):
    """Returns {'tensors', 'operators', 'inputs', 'outputs', 'buffers'} of a .fb."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8 or data[4:8] != b"DLCM":
        raise FormatError("%s: not a dlc model (file identifier is not DLCM)" % path)
    r = _Reader(data)
    root = r._unpack("<I", 0)
    version = r.scalar(root, MODEL_VERSION, "<I", 1)
    if version != 1:
        raise FormatError("%s: model format version %d, this reader knows 1" % (path, version))
    graph = r.indirect(root, MODEL_GRAPH)
    if graph is None:
        raise FormatError("%s: model has no graph" % path)

    buffers = [r.bytes_vector(b, BUFFER_DATA) for b in r.tables(root, MODEL_BUFFERS)]
    tensors = []
    for t in r.tables(graph, GRAPH_TENSORS):
        tensors.append({
            "name": r.string(t, TENSOR_NAME),
            "dtype": DTYPES[r.scalar(t, TENSOR_DTYPE, "<b", 0)],
            "shape": r.scalars(t, TENSOR_SHAPE, "<q"),
            "buffer": r.scalar(t, TENSOR_BUFFER, "<I", 0),
        })
    operators = []
    for o in r.tables(graph, GRAPH_OPERATORS):
        type_id = r.scalar(o, OP_TYPE, "<H", 0)
        if type_id >= len(OP_TYPES):
            raise FormatError("%s: unknown operator type %d" % (path, type_id))
        options = {}
        options_type = r.scalar(o, OP_OPTIONS_TYPE, "<B", 0)
        options_table = r.indirect(o, OP_OPTIONS)
        if options_type in OPTIONS and options_table is not None:
            for fid, (name, fmt, default) in enumerate(OPTIONS[options_type][1]):
                options[name] = r.scalar(options_table, fid, fmt, default)
        elif options_type in OPTIONS:
            options = {name: default for name, _, default in OPTIONS[options_type][1]}
        if "padding" in options:
            options["padding"] = PADDINGS[options["padding"]]
        if "activation" in options:
            options["activation"] = ACTIVATIONS[options["activation"]]
        operators.append({
            "type": OP_TYPES[type_id],
            "name": r.string(o, OP_NAME),
            "inputs": r.scalars(o, OP_INPUTS, "<i"),
            "outputs": r.scalars(o, OP_OUTPUTS, "<i"),
            "options_type": options_type,
            "options": options,
        })
    return {
        "tensors": tensors,
        "operators": operators,
        "inputs": r.scalars(graph, GRAPH_INPUTS, "<i"),
        "outputs": r.scalars(graph, GRAPH_OUTPUTS, "<i"),
        "buffers": buffers,
    }
