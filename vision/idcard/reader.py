"""Driver for second-generation ID-card readers over a serial port (GA 467 protocol, pyserial).

Usage: `with IdCardReader("/dev/ttyUSB0") as reader: card = reader.read_card()`. Every failure
is one of the errors below, so the kiosk can say what to do: connect the reader, place the card…
The photo stays in WLT form (the vendor's licensed decoder turns it into a picture) and is
personal data: the kiosk keeps it only with the visitor's consent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import serial

from vision.idcard import protocol
from vision.idcard.fields import PHOTO_BYTES, TEXT_BYTES, CardText, parse_text


class ReaderError(RuntimeError):
    """The reader answered, but not with success."""

    message_zh = "身份证读卡器故障，请联系前台"


class ReaderNotFoundError(ReaderError):
    message_zh = "未连接身份证读卡器"


class NoCardError(ReaderError):
    message_zh = "请将身份证放在读卡区"


class ReaderChecksumError(ReaderError):
    message_zh = "读卡通信错误，请重新放置身份证"


@dataclass(frozen=True)
class CardData:
    text: CardText
    photo_wlt: bytes = field(repr=False)


class IdCardReader:
    def __init__(self, port: str, baudrate: int = 115200, timeout: float = 1.0):
        self.port_name = port
        self.baudrate = baudrate
        self.timeout = timeout
        self._port: serial.Serial | None = None

    # -- connection -------------------------------------------------------------------------
    def open(self) -> str:
        """Open the port and ask the reader for its SAM id, which proves a reader is there."""
        try:
            self._port = serial.Serial(self.port_name, self.baudrate, timeout=self.timeout)
        except (serial.SerialException, OSError) as error:
            raise ReaderNotFoundError(f"cannot open {self.port_name}: {error}") from error
        try:
            response = self._transact(protocol.CMD_READ_SAM_ID)
        except ReaderError:
            self.close()
            raise
        return response.data.hex()

    def close(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None

    def __enter__(self) -> IdCardReader:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- card --------------------------------------------------------------------------------
    def read_card(self) -> CardData:
        """Find, select and read the card on the reader; NoCardError if there is none."""
        found = self._transact(protocol.CMD_FIND_CARD, accept_no_card=True)
        if found.status == protocol.STATUS_NO_CARD:
            raise NoCardError("no card on the reader")
        selected = self._transact(protocol.CMD_SELECT_CARD, accept_no_card=True)
        if selected.status in (protocol.STATUS_NO_CARD, protocol.STATUS_SELECT_FAILED):
            raise NoCardError("card left the reader before it could be selected")
        data = self._transact(protocol.CMD_READ_TEXT_AND_PHOTO).data
        if len(data) < 4:
            raise ReaderError(f"card data too short: {len(data)} bytes")
        text_length = int.from_bytes(data[0:2], "big")
        photo_length = int.from_bytes(data[2:4], "big")
        if text_length != TEXT_BYTES or photo_length != PHOTO_BYTES or len(data) < 4 + text_length:
            raise ReaderError(f"unexpected card data layout: text {text_length}, photo {photo_length}")
        text = data[4 : 4 + text_length]
        photo = data[4 + text_length : 4 + text_length + photo_length]
        try:
            return CardData(text=parse_text(text), photo_wlt=photo)
        except ValueError as error:
            raise ReaderError(f"card text unreadable: {error}") from error

    # -- wire --------------------------------------------------------------------------------
    def _transact(self, command: tuple[int, int], accept_no_card: bool = False) -> protocol.Response:
        if self._port is None:
            raise ReaderNotFoundError("reader is not open")
        try:
            self._port.reset_input_buffer()
            self._port.write(protocol.encode_request(command))
            response = self._read_response()
        except serial.SerialException as error:
            raise ReaderNotFoundError(f"reader on {self.port_name} disconnected: {error}") from error
        if response.ok:
            return response
        if accept_no_card and response.status in (protocol.STATUS_NO_CARD, protocol.STATUS_SELECT_FAILED):
            return response
        if response.status == 0x10:
            raise ReaderChecksumError(protocol.STATUS_MESSAGES[0x10])
        message = protocol.STATUS_MESSAGES.get(response.status, "unknown status")
        raise ReaderError(f"reader status {response.status:#04x}: {message}")

    def _read_exact(self, count: int, deadline: float) -> bytes:
        assert self._port is not None
        buffer = b""
        while len(buffer) < count:
            if time.monotonic() > deadline:
                raise ReaderNotFoundError(f"no answer from a reader on {self.port_name}")
            buffer += self._port.read(count - len(buffer))
        return buffer

    def _read_response(self) -> protocol.Response:
        deadline = time.monotonic() + self.timeout * 3
        window = b""
        # Skip line noise until the preamble, then read the length-prefixed rest.
        while window != protocol.PREAMBLE:
            window = (window + self._read_exact(1, deadline))[-len(protocol.PREAMBLE) :]
        header = window + self._read_exact(2, deadline)
        rest = self._read_exact(protocol.frame_length(header), deadline)
        try:
            return protocol.decode_response(header + rest)
        except protocol.FrameChecksumError as error:
            raise ReaderChecksumError(str(error)) from error
        except protocol.FrameError as error:
            raise ReaderError(str(error)) from error
