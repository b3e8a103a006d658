"""Chinese resident ID cards: number checks (python-stdnum cn.ric) and the GA 467 serial reader."""

from vision.idcard.number import IdNumber, InvalidIdNumber, check_id_number
from vision.idcard.reader import (
    CardData,
    IdCardReader,
    NoCardError,
    ReaderChecksumError,
    ReaderError,
    ReaderNotFoundError,
)

__all__ = [
    "CardData",
    "IdCardReader",
    "IdNumber",
    "InvalidIdNumber",
    "NoCardError",
    "ReaderChecksumError",
    "ReaderError",
    "ReaderNotFoundError",
    "check_id_number",
]
