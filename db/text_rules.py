"""What people may type: every field's length limit, in one place, and the characters no field takes.

Limits (characters, after trimming the ends):

| field | limit |
|---|---|
| a consultant's, channel's, agent's or user's name | NAME_MAX = 64 (the String(64) columns) |
| a customer's name (kiosk, ID card, channel report, import) | CUSTOMER_NAME_MAX = 40 |
| a source's name (来源) | SOURCE_MAX = 32 (its String(32) column) |
| free text: a case's, appeal's, reveal's, blacklist's or rule change's reason, a note | TEXT_MAX = 2000 |

Refused in every field: control characters (C0, DEL, C1: an ESC in a name reached the terminal through
`anchang board`, and Excel files cannot hold them), format characters — bidi overrides and isolates
(U+202A–202E, U+2066–2069), zero-width ones (U+200B–200F, U+2060, U+FEFF) and the rest of Unicode's
Cf class — lone surrogates (no database can store them) and the line and paragraph separators. They make
a name read as another one, or break what prints it. Free text may hold line breaks and tabs.

Text an older version stored unchecked is shown through `visible`, which writes such a character as
<U+XXXX>, so no terminal, workbook or PDF receives it raw.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from judge.reasons import EngineError

NAME_MAX = 64
CUSTOMER_NAME_MAX = 40
SOURCE_MAX = 32
TEXT_MAX = 2000

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_TEXT_WHITESPACE = frozenset("\n\r\t")  # allowed in free text only


class TextRefused(EngineError):
    """Typed text over its limit or holding a hidden character: refused before anything is written."""


def is_hidden(char: str, *, multiline: bool = False) -> bool:
    """A character no field takes (a line break or tab is taken by free text, `multiline`)."""
    if multiline and char in _TEXT_WHITESPACE:
        return False
    return unicodedata.category(char) in _HIDDEN_CATEGORIES


def first_hidden(text: str, *, multiline: bool = False) -> str | None:
    return next((char for char in text if is_hidden(char, multiline=multiline)), None)


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def hidden_message(char: str, zh: str, en: str) -> str:
    return (f"{zh}含不可见字符或控制字符 {code_point(char)}，请删除后重新输入 / the {en} contains the invisible "
            f"or control character {code_point(char)}: remove it")


def _fail(message: str) -> Exception:
    return TextRefused(message)


def clean_name(text: object, zh: str, en: str, limit: int = NAME_MAX,
               error: Callable[[str], Exception] = _fail) -> str:
    """A name, trimmed: 1 to `limit` characters, none of them hidden. `error` makes the exception the
    caller's callers expect (a form's FieldRefused names its field)."""
    name = text.strip() if isinstance(text, str) else ""
    if not name:
        raise error(f"请输入{zh} / enter the {en}")
    if len(name) > limit:
        raise error(f"{zh}最多 {limit} 个字 / the {en} has at most {limit} characters")
    if (char := first_hidden(name)) is not None:
        raise error(hidden_message(char, zh, en))
    return name


def check_text(text: str, zh: str, en: str, limit: int = TEXT_MAX,
               error: Callable[[str], Exception] = _fail) -> str:
    """Free text (a reason, a note), trimmed; may be empty (the caller decides whether it must be)."""
    text = text.strip()
    if len(text) > limit:
        raise error(f"{zh}最多 {limit} 个字（现有 {len(text)} 个）/ the {en} has at most {limit} characters "
                    f"(it has {len(text)})")
    if (char := first_hidden(text, multiline=True)) is not None:
        raise error(hidden_message(char, zh, en))
    return text


def visible(text: str, *, multiline: bool = False) -> str:
    """`text` with each hidden character written as <U+XXXX>: for what older versions stored unchecked."""
    if first_hidden(text, multiline=multiline) is None:
        return text
    return "".join(f"<{code_point(c)}>" if is_hidden(c, multiline=multiline) else c for c in text)
