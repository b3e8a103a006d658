"""The card's text block: 256 bytes of UCS-2 little-endian, fixed-width, space padded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# (field, width in characters), in card order; 128 characters in all.
TEXT_LAYOUT = (
    ("name", 15),
    ("gender", 1),
    ("ethnicity", 2),
    ("birth_date", 8),
    ("address", 35),
    ("id_number", 18),
    ("issuer", 15),
    ("valid_from", 8),
    ("valid_until", 8),
    ("reserved", 18),
)
TEXT_BYTES = 256
PHOTO_BYTES = 1024  # WLT-compressed; decoding needs the reader vendor's licensed decoder.

GENDERS = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
ETHNICITIES = dict(
    enumerate(
        [
            "汉",
            "蒙古",
            "回",
            "藏",
            "维吾尔",
            "苗",
            "彝",
            "壮",
            "布依",
            "朝鲜",
            "满",
            "侗",
            "瑶",
            "白",
            "土家",
            "哈尼",
            "哈萨克",
            "傣",
            "黎",
            "傈僳",
            "佤",
            "畲",
            "高山",
            "拉祜",
            "水",
            "东乡",
            "纳西",
            "景颇",
            "柯尔克孜",
            "土",
            "达斡尔",
            "仫佬",
            "羌",
            "布朗",
            "撒拉",
            "毛南",
            "仡佬",
            "锡伯",
            "阿昌",
            "普米",
            "塔吉克",
            "怒",
            "乌孜别克",
            "俄罗斯",
            "鄂温克",
            "德昂",
            "保安",
            "裕固",
            "京",
            "塔塔尔",
            "独龙",
            "鄂伦春",
            "赫哲",
            "门巴",
            "珞巴",
            "基诺",
        ],
        start=1,
    )
)
ETHNICITIES.update({97: "其他", 98: "外国血统中国籍人士"})


@dataclass(frozen=True)
class CardText:
    name: str
    gender: str
    ethnicity: str
    birth_date: dt.date
    address: str
    id_number: str
    issuer: str
    valid_from: dt.date
    valid_until: dt.date | None  # None: 长期 (no expiry)


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


def parse_text(block: bytes) -> CardText:
    if len(block) != TEXT_BYTES:
        raise ValueError(f"card text block is {len(block)} bytes, expected {TEXT_BYTES}")
    text = block.decode("utf-16-le")
    raw: dict[str, str] = {}
    pos = 0
    for field, width in TEXT_LAYOUT:
        raw[field] = text[pos : pos + width].strip(" \x00")
        pos += width
    ethnicity_code = int(raw["ethnicity"]) if raw["ethnicity"].isdigit() else 0
    return CardText(
        name=raw["name"],
        gender=GENDERS.get(raw["gender"], raw["gender"]),
        ethnicity=ETHNICITIES.get(ethnicity_code, raw["ethnicity"]),
        birth_date=_date(raw["birth_date"]),
        address=raw["address"],
        id_number=raw["id_number"].upper(),
        issuer=raw["issuer"],
        valid_from=_date(raw["valid_from"]),
        valid_until=None if raw["valid_until"].startswith("长期") else _date(raw["valid_until"]),
    )


def build_text(fields: dict[str, str]) -> bytes:
    """The inverse of parse_text on raw field strings (codes, YYYYMMDD dates); for the simulator."""
    return "".join(fields.get(field, "").ljust(width)[:width] for field, width in TEXT_LAYOUT).encode(
        "utf-16-le"
    )
