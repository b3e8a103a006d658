"""A simulated ID-card reader on a pseudo-terminal, for tests and the kiosk demo (POSIX only).

`with SimulatedReader() as sim:` gives `sim.port` to open with IdCardReader; put a card with
`sim.card = CardImage(...)`, take it away with `sim.card = None`, and `sim.corrupt_next = True`
sends the next answer with a broken checksum.
"""

from __future__ import annotations

import os
import select
import threading
import tty
from dataclasses import dataclass, field

from vision.idcard import protocol
from vision.idcard.fields import PHOTO_BYTES, build_text

DEMO_FIELDS = {
    "name": "张三",
    "gender": "1",
    "ethnicity": "01",
    "birth_date": "19491231",
    "address": "北京市朝阳区某某路1号",
    "id_number": "11010519491231002X",
    "issuer": "北京市公安局朝阳分局",
    "valid_from": "20200101",
    "valid_until": "长期",
}


@dataclass
class CardImage:
    fields: dict[str, str] = field(default_factory=lambda: dict(DEMO_FIELDS))
    photo_wlt: bytes = bytes(range(256)) * (PHOTO_BYTES // 256)


class SimulatedReader:
    def __init__(self, card: CardImage | None = None, sam_id: bytes = bytes.fromhex("0501000000000001")):
        self.card = card
        self.sam_id = sam_id
        self.corrupt_next = False
        self.requests: list[tuple[int, int]] = []
        self._master, self._slave = os.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="simulated-id-reader", daemon=True)

    def __enter__(self) -> SimulatedReader:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        os.close(self._master)
        os.close(self._slave)

    def _answer(self, command: tuple[int, int]) -> bytes:
        if command == protocol.CMD_READ_SAM_ID:
            return protocol.encode_response(protocol.STATUS_OK, self.sam_id)
        if command in (protocol.CMD_RESET_SAM, protocol.CMD_SAM_STATUS):
            return protocol.encode_response(protocol.STATUS_OK)
        if command == protocol.CMD_FIND_CARD:
            if self.card is None:
                return protocol.encode_response(protocol.STATUS_NO_CARD)
            return protocol.encode_response(protocol.STATUS_FIND_OK, bytes(4))
        if command == protocol.CMD_SELECT_CARD:
            if self.card is None:
                return protocol.encode_response(protocol.STATUS_SELECT_FAILED)
            return protocol.encode_response(protocol.STATUS_OK, bytes(8))
        if command == protocol.CMD_READ_TEXT_AND_PHOTO:
            if self.card is None:
                return protocol.encode_response(0x41)
            text = build_text(self.card.fields)
            photo = self.card.photo_wlt
            lengths = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
            return protocol.encode_response(protocol.STATUS_OK, lengths + text + photo)
        return protocol.encode_response(0x21)

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            buffer += os.read(self._master, 4096)
            while True:
                start = buffer.find(protocol.PREAMBLE)
                if start < 0 or len(buffer) < start + 7:
                    break
                length = int.from_bytes(buffer[start + 5 : start + 7], "big")
                end = start + 7 + length
                if len(buffer) < end:
                    break
                frame, buffer = buffer[start:end], buffer[end:]
                self._reply(frame)

    def _reply(self, frame: bytes) -> None:
        try:
            body = protocol.decode_body(frame[:7], frame[7:])
            command = (body[0], body[1])
            self.requests.append(command)
            answer = self._answer(command)
        except protocol.FrameError:
            answer = protocol.encode_response(0x10)
        if self.corrupt_next:
            self.corrupt_next = False
            answer = answer[:-1] + bytes([answer[-1] ^ 0xFF])
        os.write(self._master, answer)
