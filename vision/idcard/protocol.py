"""GA 467 frames as spoken by second-generation ID-card readers (the "SAM" serial protocol).

Request:  AA AA AA 96 69 | len (2 bytes, big-endian) | cmd | para | data… | xor
Response: AA AA AA 96 69 | len | sw1 sw2 sw3 | data… | xor
`len` counts everything after itself, checksum included; the checksum is the XOR of the length
bytes and everything up to the checksum.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

PREAMBLE = bytes.fromhex("AAAAAA9669")

# (cmd, para) pairs of the commands the kiosk needs.
CMD_RESET_SAM = (0x10, 0xFF)
CMD_SAM_STATUS = (0x11, 0xFF)
CMD_READ_SAM_ID = (0x12, 0xFF)
CMD_FIND_CARD = (0x20, 0x01)
CMD_SELECT_CARD = (0x20, 0x02)
CMD_READ_TEXT_AND_PHOTO = (0x30, 0x01)

# sw3 status codes (sw1 and sw2 are 00 on every reader seen).
STATUS_OK = 0x90
STATUS_FIND_OK = 0x9F
STATUS_NO_CARD = 0x80
STATUS_SELECT_FAILED = 0x81
STATUS_MESSAGES = {
    0x10: "reader received a frame with a bad checksum",
    0x11: "reader received a frame with a bad length",
    0x21: "reader did not understand the command",
    0x23: "command not authorised",
    0x24: "reader reported an unknown error",
    0x31: "card authentication failed",
    0x32: "reader authentication failed",
    0x33: "information check failed",
    0x40: "unknown card type",
    0x41: "reading the card failed",
    0x47: "reading the card failed: operation failed",
    0x60: "SAM self-test failed",
    0x66: "SAM not authorised",
    STATUS_NO_CARD: "no card on the reader",
    STATUS_SELECT_FAILED: "card could not be selected",
}


class FrameError(ValueError):
    """A frame on the wire is malformed."""


class FrameChecksumError(FrameError):
    """A frame arrived whole but its XOR checksum does not match."""


def xor_checksum(data: bytes) -> int:
    return reduce(lambda acc, byte: acc ^ byte, data, 0)


def _wrap(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor_checksum(length + body)])


def encode_request(command: tuple[int, int], data: bytes = b"") -> bytes:
    return _wrap(bytes(command) + data)


def encode_response(status: int, data: bytes = b"") -> bytes:
    return _wrap(bytes([0x00, 0x00, status]) + data)


@dataclass(frozen=True)
class Response:
    status: int
    data: bytes

    @property
    def ok(self) -> bool:
        return self.status in (STATUS_OK, STATUS_FIND_OK)


def frame_length(header: bytes) -> int:
    """Bytes still to read after a 7-byte header (preamble + length)."""
    if len(header) != 7 or header[:5] != PREAMBLE:
        raise FrameError(f"no frame preamble: {header.hex(' ')}")
    return int.from_bytes(header[5:7], "big")


def decode_body(header: bytes, rest: bytes) -> bytes:
    """Check the checksum of a frame read as header + rest; return the body (without checksum)."""
    length = header[5:7]
    body, checksum = rest[:-1], rest[-1]
    if xor_checksum(length + body) != checksum:
        raise FrameChecksumError(f"checksum {checksum:#04x} != {xor_checksum(length + body):#04x}")
    return body


def decode_response(frame: bytes) -> Response:
    header, rest = frame[:7], frame[7:]
    if frame_length(header) != len(rest) or len(rest) < 4:
        raise FrameError(f"frame length mismatch: {frame.hex(' ')}")
    body = decode_body(header, rest)
    return Response(status=body[2], data=body[3:])
