"""Bulk QR encoding for stamp runs, built on the ``qrcode`` package.

Every stamp of a run has a URL of the same shape, so the QR version, the function patterns (finders,
timing, alignment, format information for the fixed mask) and the order in which data modules are
placed are the same for all of them. :class:`BulkEncoder` asks ``qrcode`` for that template once, then
per stamp only encodes the data (a byte segment for the lower-case scheme, an alphanumeric segment for the
rest: ``qrsegments``), computes the Reed–Solomon codewords with log/exp tables and drops the bits into the
precomputed positions. The result is the same matrix ``qrcode`` produces for those segments, version and
mask (a test compares them), several times faster.
"""

from __future__ import annotations

import qrcode
from qrcode import base, util
from qrcode.constants import ERROR_CORRECT_M

from ocop_traceability.adapters.qr import FIXED_MASK
from ocop_traceability.adapters.qrsegments import qr_code, split

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALNUM_VALUE = {c: i for i, c in enumerate(ALNUM)}
BYTE_BITS = [tuple((b >> (7 - i)) & 1 for i in range(8)) for b in range(256)]
EXP = [base.gexp(i) for i in range(256)]
LOG = [0] + [base.glog(i) for i in range(1, 256)]


def _generator(degree: int) -> list[int]:
    """Coefficients (after the leading 1) of prod_{i<degree} (x - a^i), in GF(256)."""
    poly = [1]
    for i in range(degree):
        nxt = [0] * (len(poly) + 1)
        for j, c in enumerate(poly):
            nxt[j] ^= c
            if c:
                nxt[j + 1] ^= EXP[(LOG[c] + i) % 255]
        poly = nxt
    return poly[1:]


def _mul_tables(generator: list[int]) -> list[list[int]]:
    """For each generator coefficient g, the products g·x for every byte x."""
    return [[0] + [EXP[(LOG[g] + LOG[x]) % 255] if g else 0 for x in range(1, 256)] for g in generator]


def _rs(data: list[int], tables: list[list[int]]) -> list[int]:
    """Reed–Solomon remainder (the error-correction codewords) of one block."""
    ec = [0] * len(tables)
    for d in data:
        factor = d ^ ec.pop(0)
        ec.append(0)
        if factor:
            for i, table in enumerate(tables):
                ec[i] ^= table[factor]
    return ec


class BulkEncoder:
    def __init__(self, sample: str, error_correction: int = ERROR_CORRECT_M, mask: int = FIXED_MASK) -> None:
        if error_correction == ERROR_CORRECT_M:
            qr = qr_code(sample, mask=mask)  # the version qrcode picks for the sample's segments
        else:
            qr = qrcode.QRCode(version=None, error_correction=error_correction, border=0, mask_pattern=mask)
            qr.add_data(sample, optimize=0)
            qr.make(fit=True)
        self.version, self.mask, self.size = qr.version, mask, qr.modules_count
        self.alphanumeric = split(sample) is not None
        # template: function patterns only (data modules left None), exactly as qrcode sets them up
        qr.modules = [[None] * self.size for _ in range(self.size)]
        qr.setup_position_probe_pattern(0, 0)
        qr.setup_position_probe_pattern(self.size - 7, 0)
        qr.setup_position_probe_pattern(0, self.size - 7)
        qr.setup_position_adjust_pattern()
        qr.setup_timing_pattern()
        qr.setup_type_info(False, mask)
        if self.version >= 7:
            qr.setup_type_number(False)
        self.template = [row[:] for row in qr.modules]
        self.positions = self._placement_order()
        mask_func = util.mask_func(mask)
        self.mask_bits = [1 if mask_func(r, c) else 0 for r, c in self.positions]
        self.blocks = base.rs_blocks(self.version, error_correction)
        self.data_capacity = sum(b.data_count for b in self.blocks)
        self.gen_log: dict[int, list[list[int]]] = {}
        for b in self.blocks:
            ec = b.total_count - b.data_count
            if ec not in self.gen_log:
                self.gen_log[ec] = _mul_tables(_generator(ec))
        self.count_bits = util.length_in_bits(util.MODE_ALPHA_NUM, self.version)
        self.byte_count_bits = util.length_in_bits(util.MODE_8BIT_BYTE, self.version)
        self._head_bits: dict[str, str] = {}  # byte segment of each head seen ('https'): the same in every stamp

    def _placement_order(self) -> list[tuple[int, int]]:
        order, n, inc, row = [], self.size, -1, self.size - 1
        for col in range(n - 1, 0, -2):
            if col <= 6:
                col -= 1
            while True:
                for c in (col, col - 1):
                    if self.template[row][c] is None:
                        order.append((row, c))
                row += inc
                if row < 0 or n <= row:
                    row -= inc
                    inc = -inc
                    break
        return order

    def _head(self, head: str) -> str:
        """Mode indicator, count and bytes of the byte segment ``head`` (none when empty)."""
        bits = self._head_bits.get(head)
        if bits is None:
            data = head.encode("ascii")
            count = format(len(data), f"0{self.byte_count_bits}b")
            bits = "0100" + count + "".join(f"{b:08b}" for b in data) if data else ""
            self._head_bits[head] = bits
        return bits

    def _data_codewords(self, head: str, text: str) -> list[int]:
        bits = [self._head(head), "0010", format(len(text), f"0{self.count_bits}b")]
        for i in range(0, len(text) - 1, 2):
            bits.append(format(_ALNUM_VALUE[text[i]] * 45 + _ALNUM_VALUE[text[i + 1]], "011b"))
        if len(text) % 2:
            bits.append(format(_ALNUM_VALUE[text[-1]], "06b"))
        stream = "".join(bits)
        limit = self.data_capacity * 8
        if len(stream) > limit:
            raise ValueError("data does not fit the run's QR version")
        stream += "0" * min(4, limit - len(stream))
        stream += "0" * (-len(stream) % 8)
        data = [int(stream[i : i + 8], 2) for i in range(0, len(stream), 8)]
        data += [util.PAD0 if i % 2 == 0 else util.PAD1 for i in range(self.data_capacity - len(data))]
        return data

    def _codewords(self, head: str, text: str) -> list[int]:
        return self._interleaved(self._data_codewords(head, text))

    def _interleaved(self, data: list[int]) -> list[int]:
        """Data and Reed–Solomon codewords of all blocks, interleaved as they are placed."""
        dc, ec, offset = [], [], 0
        for b in self.blocks:
            block = data[offset : offset + b.data_count]
            offset += b.data_count
            dc.append(block)
            ec.append(_rs(block, self.gen_log[b.total_count - b.data_count]))
        out: list[int] = []
        for group in (dc, ec):
            for i in range(max(len(g) for g in group)):
                out.extend(g[i] for g in group if i < len(g))
        return out

    def matrix(self, text: str) -> list[list[bool]]:
        parts = split(text) if self.alphanumeric else None
        if parts is None:  # byte mode may need a larger version than the run's template
            return qr_code(text, mask=self.mask).get_matrix()
        bits = [bit for b in self._codewords(*parts) for bit in BYTE_BITS[b]]
        bits += [0] * (len(self.positions) - len(bits))  # remainder bits
        rows = [row[:] for row in self.template]
        for (r, c), bit, m in zip(self.positions, bits, self.mask_bits, strict=False):
            rows[r][c] = bit != m
        return rows


def pack(matrix: list[list[bool]]) -> bytes:
    """The matrix as 1-bit rows, dark = 1, most significant bit first, each row padded to a whole byte: the
    samples of a PDF image mask (``/Decode [1 0]``) or a ZPL graphic field."""
    stride = (len(matrix) + 7) // 8
    pad = stride * 8 - len(matrix)
    out = bytearray()
    for row in matrix:
        value = 0
        for module in row:
            value = value << 1 | bool(module)
        out += (value << pad).to_bytes(stride, "big")
    return bytes(out)


class RunCodes:
    """The QR of every stamp of one run as :func:`pack` bytes, computed from the serial alone.

    The stamps of a run differ only in their serial, the last characters of the URL, in the alphanumeric
    segment. QR encoding is affine over GF(2): the data bits are placed at fixed positions, the Reed–Solomon
    codewords are a linear function of the data, the mask and function patterns are constants. So the matrix
    of a stamp is the matrix of the run's URL with an all-'0' serial, XOR-ed with one precomputed term per
    pair of serial characters (an 11-bit alphanumeric group): a few big-integer XORs per stamp instead of
    Reed–Solomon arithmetic and module placement. A test checks the result against :meth:`BulkEncoder.matrix`
    (itself checked against ``qrcode``). URLs of another shape fall back to that slower path.
    """

    def __init__(self, prefix: str, serial_length: int, alphabet: str) -> None:
        sample = prefix + "0" * serial_length
        self.encoder = enc = BulkEncoder(sample)
        self.prefix, self.length = prefix, len(sample)
        self.size = enc.size
        self.stride = (enc.size + 7) // 8
        self.nbytes = self.stride * enc.size
        self.base = int.from_bytes(pack(enc.matrix(sample)), "big")
        self.tables: list[tuple[int, int, dict[str, int]]] = []  # (start, end, {characters: XOR term})
        parts = split(sample) if enc.alphanumeric else None
        if parts is None or "0" not in alphabet or any(c not in _ALNUM_VALUE for c in alphabet):
            return  # byte mode: every stamp through the encoder
        head, rest = parts
        first = len(rest) - serial_length  # the serial's first character in the alphanumeric segment
        offset = len(enc._head(head)) + 4 + enc.count_bits  # the alphanumeric groups' first bit in the stream
        top = self.nbytes * 8 - 1
        spots = [top - (r * self.stride * 8 + c) for r, c in enc.positions]

        def term(bit: int) -> int:  # what flipping one data bit changes in the matrix
            data = [0] * enc.data_capacity
            data[bit // 8] = 0x80 >> (bit % 8)
            value = 0
            for i, codeword in enumerate(enc._interleaved(data)):
                for j in range(8):
                    if codeword & (0x80 >> j):
                        value ^= 1 << spots[i * 8 + j]
            return value

        for k in range(first // 2, (len(rest) + 1) // 2):
            chars = rest[2 * k : 2 * k + 2]
            width = 11 if len(chars) == 2 else 6
            bits = [term(offset + 11 * k + i) for i in range(width)]
            base_value = _group(chars)
            choices = [alphabet if 2 * k + i >= first else chars[i] for i in range(len(chars))]
            table = {}
            for key in _products(choices):
                diff, value = _group(key) ^ base_value, 0
                for i in range(width):
                    if diff >> (width - 1 - i) & 1:
                        value ^= bits[i]
                table[key] = value
            start = len(head) + 2 * k
            self.tables.append((start, start + len(chars), table))

    def packed(self, url: str) -> bytes:
        """The stamp's QR as :func:`pack` bytes (``size`` rows of ``stride`` bytes)."""
        if self.tables and len(url) == self.length and url.startswith(self.prefix):
            value = self.base
            try:
                for start, end, table in self.tables:
                    value ^= table[url[start:end]]
            except KeyError:  # a character outside the serial alphabet
                return pack(self.encoder.matrix(url))
            return value.to_bytes(self.nbytes, "big")
        return pack(self.encoder.matrix(url))  # another shape: maybe another version (see ``SIDE``)


SIDE = {(side + 7) // 8 * side: side for side in range(21, 178, 4)}  # modules a side, by packed length


def _group(chars: str) -> int:
    """The alphanumeric value of a pair (11 bits) or of a last single character (6 bits)."""
    if len(chars) == 2:
        return _ALNUM_VALUE[chars[0]] * 45 + _ALNUM_VALUE[chars[1]]
    return _ALNUM_VALUE[chars]


def _products(choices: list[str]) -> list[str]:
    out = [""]
    for options in choices:
        out = [s + c for s in out for c in options]
    return out


def unpack(data: bytes, size: int) -> list[list[bool]]:
    """The inverse of :func:`pack` (for tests and the vector drawing)."""
    stride = (size + 7) // 8
    rows = []
    for r in range(size):
        value = int.from_bytes(data[r * stride : (r + 1) * stride], "big")
        rows.append([bool(value >> (stride * 8 - 1 - c) & 1) for c in range(size)])
    return rows
