"""A GGUF file's header, read fast: its scalar metadata and tensor table.

gguf's GGUFReader builds numpy views of every metadata element, which for a real vocabulary
(Qwen3's 151,669 tokens and 151,387 merges) takes 10–15 s on a laptop core: paid on every
model check before a load. This walks the same header, skipping the arrays' contents, in a
fraction of a second (the token list is llama.cpp's to read).
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path

GGUF_MAGIC = b"GGUF"
# GGUF value types: uint8 … float64, bool, string, array.
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?"}
_SCALARS |= {10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
DEFAULT_ALIGNMENT = 32


@dataclass
class TensorInfo:
    name: str
    shape: tuple[int, ...]
    ggml_type: int
    offset: int  # from the start of the data section


@dataclass
class GgufHeader:
    version: int
    metadata: dict = field(default_factory=dict)  # scalars and strings; arrays as their length
    tensors: list[TensorInfo] = field(default_factory=list)
    data_start: int = 0

    def data_end(self) -> int:
        """Where the last tensor's bytes end: the least size of a complete file."""
        from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

        end = self.data_start
        for t in self.tensors:
            block, size = GGML_QUANT_SIZES[GGMLQuantizationType(t.ggml_type)]
            count = 1
            for d in t.shape:
                count *= d
            end = max(end, self.data_start + t.offset + count // block * size)
        return end


class _Cursor:
    def __init__(self, buf) -> None:
        self.buf, self.at = buf, 0

    def take(self, fmt: str):
        (value,) = struct.unpack_from(fmt, self.buf, self.at)
        self.at += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        n = self.take("<Q")
        if self.at + n > len(self.buf):
            raise ValueError("string runs past the end of the file")
        text = bytes(self.buf[self.at : self.at + n]).decode("utf-8", errors="replace")
        self.at += n
        return text

    def skip_strings(self, count: int) -> None:
        unpack, buf, at = struct.unpack_from, self.buf, self.at
        for _ in range(count):
            (n,) = unpack("<Q", buf, at)
            at += 8 + n
        if at > len(buf):
            raise ValueError("string array runs past the end of the file")
        self.at = at

    def value(self, kind: int):
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item, count = self.take("<I"), self.take("<Q")
            if item == _STRING:
                self.skip_strings(count)
            elif item in _SCALARS:
                self.at += count * struct.calcsize(_SCALARS[item])
            else:  # arrays of arrays: rare; walk them
                for _ in range(count):
                    self.value(item)
            return count
        raise ValueError(f"unknown GGUF value type {kind}")


def read_header(path: Path) -> GgufHeader:
    """Parse `path`'s header; ValueError (or struct.error) if it is not a whole GGUF header."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        c = _Cursor(buf)
        if bytes(buf[:4]) != GGUF_MAGIC:
            raise ValueError(f"bad magic {bytes(buf[:4])!r}")
        c.at = 4
        header = GgufHeader(version=c.take("<I"))
        n_tensors, n_kv = c.take("<Q"), c.take("<Q")
        for _ in range(n_kv):
            key = c.string()
            header.metadata[key] = c.value(c.take("<I"))
        for _ in range(n_tensors):
            name = c.string()
            dims = c.take("<I")
            shape = tuple(c.take("<Q") for _ in range(dims))
            header.tensors.append(TensorInfo(name, shape, c.take("<I"), c.take("<Q")))
        align = int(header.metadata.get("general.alignment", DEFAULT_ALIGNMENT))
        header.data_start = -(-c.at // align) * align
        return header
