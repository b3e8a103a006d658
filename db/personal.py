"""Phone numbers, ID-card numbers and names: normalising, validating and masking.

Pure functions, no database. Every screen, export and report shows personal numbers through the
`mask_*` functions here, so a full number only appears where a role explicitly asks for it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType, ValidationResult
from stdnum.cn import ric


class InvalidPhone(ValueError):
    """A phone number we cannot accept; the message is bilingual and says why."""


class InvalidIdCard(ValueError):
    """A resident ID-card number we cannot accept; the message says which part is wrong."""


MAINLAND = 86
_ACCEPTED_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_POSSIBLE_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    ValidationResult.TOO_SHORT: "too short",
    ValidationResult.TOO_LONG: "too long",
    ValidationResult.INVALID_LENGTH: "wrong length",
}
_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    NumberParseException.TOO_LONG: "too long",
}
# Channel reports hide the middle four digits with asterisks (sometimes full-width, sometimes x).
_MASKED_MOBILE = re.compile(r"(1[3-9]\d)[*xX]{4}(\d{4})")


def _fold(text: str) -> str:
    """Full-width digits and symbols to ASCII (NFKC), surrounding blanks removed."""
    return unicodedata.normalize("NFKC", text).strip()


def _phone_error(text: str, reason: str) -> InvalidPhone:
    return InvalidPhone(f"手机号码无效 / invalid phone number: {text!r} ({reason})")


def _parse(text: str) -> phonenumbers.PhoneNumber:
    folded = _fold(text)
    digits = re.sub(r"[\s\-().]", "", folded)
    # "8613800000001" typed without the plus: phonenumbers would read it as a 13-digit national number.
    if re.fullmatch(r"861[3-9]\d{9}", digits):
        folded = "+" + digits
    try:
        return phonenumbers.parse(folded, "CN")
    except NumberParseException as exc:
        raise _phone_error(text, _PARSE_REASONS.get(exc.error_type, "not a phone number")) from exc


def _why_invalid(number: phonenumbers.PhoneNumber) -> str:
    national = str(number.national_number)
    if number.country_code == MAINLAND and national.startswith("1"):
        if len(national) < 11:
            return "too short"
        if len(national) > 11:
            return "too long"
        return "no such mobile prefix"
    possible = phonenumbers.is_possible_number_with_reason(number)
    return _POSSIBLE_REASONS.get(possible, "not a valid number for its region")


def _parse_valid(text: str) -> phonenumbers.PhoneNumber:
    number = _parse(text)
    if not phonenumbers.is_valid_number(number):
        raise _phone_error(text, _why_invalid(number))
    kind = phonenumbers.number_type(number)
    if kind not in _ACCEPTED_TYPES:
        kind_name = next((k for k, v in vars(PhoneNumberType).items() if v == kind), str(kind))
        raise _phone_error(text, f"not a mobile or fixed-line number: {kind_name}")
    return number


def normalize_phone(text: str) -> str:
    """A customer's phone, in any written form, to E.164 ("+8613800000001").

    Only mainland China mobile numbers are accepted (README "Phone numbers"): a customer is identified,
    reported by channels (前三后四) and messaged by mobile; a fixed line is shared by a household or an
    office, and a Hong Kong, Macau or foreign number cannot be reported in the 前三后四 form. Without a
    country code the number is read as mainland China. Errors quote the number as typed.
    """
    number = _parse_valid(text)
    if not _is_mainland_mobile(number):
        kind = "a fixed line" if number.country_code == MAINLAND else f"a +{number.country_code} number"
        raise _phone_error(text, f"只接受中国大陆手机号 / only mainland China mobile numbers are accepted; "
                                 f"this is {kind}")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def phone_entry_kind(digits: str) -> str:
    """What a number being typed on a keypad (digits only) is, decided as soon as its start shows it,
    so a visitor keying a hotline or a landline is told at once instead of counting digits:

    "" nothing typed; "mobile" a complete mainland mobile (normalize_phone accepts it); "short" the start
    of a mobile; "invalid" 11 digits no mobile has (no such prefix); "service" a hotline or service
    number (400/800, 95xxx/96xxx, 10086, 110, 12345); "landline" an area code (0…) or a local number;
    "foreign" an international prefix (00…); "not_mobile" not a mobile, hotline or landline not yet told
    (4, 40, 8, 80, 9).
    """
    services = ("400", "800", "95", "96")
    if not digits:
        return ""
    if digits.startswith("00"):
        return "foreign"
    if digits.startswith("0"):
        return "landline"
    if digits[0] != "1":
        if digits.startswith(services):
            return "service"
        return "not_mobile" if any(s.startswith(digits) for s in services) else "landline"
    if len(digits) >= 2 and digits[1] in "012":
        return "service"
    if len(digits) < 11:
        return "short"
    try:
        normalize_phone(digits)
    except InvalidPhone:
        return "invalid"
    return "mobile"


def is_masked_phone(text: str) -> bool:
    """Written with hidden digits (138****5678, 138xxxx5678, 138＊＊＊＊5678): a channel's masked report."""
    return any(ch in "*xX" for ch in _fold(text))


def _is_mainland_mobile(number: phonenumbers.PhoneNumber) -> bool:
    return number.country_code == MAINLAND and phonenumbers.number_type(number) in _MOBILE_TYPES


def masked_form(phone: str) -> str:
    """The "138****5678" form of a full mainland mobile, as channels report it."""
    number = _parse_valid(phone)
    if not _is_mainland_mobile(number):
        raise _phone_error(phone, "not a mainland mobile number")
    national = str(number.national_number)
    return f"{national[:3]}****{national[-4:]}"


def parse_masked_phone(text: str) -> tuple[str, str]:
    """The visible head and tail of a masked mainland mobile: "138****5678" -> ("138", "5678")."""
    match = _MASKED_MOBILE.fullmatch(_fold(text).replace(" ", ""))
    if match is None:
        raise _phone_error(text, "not a masked mobile like 138****5678")
    return match.group(1), match.group(2)


def _mask_digits(digits: str) -> str:
    """Hide the middle of a digit string, keeping at most a third visible at each end."""
    tail = min(4, len(digits) // 3)
    head = min(3, len(digits) // 3)
    hidden = len(digits) - head - tail
    return digits[:head] + "*" * hidden + digits[len(digits) - tail :]


def mask_phone(phone: str) -> str:
    """A phone number fit for display: "138****5678", "010-****5678", "+852 91****67".

    Never raises: something that is not a valid number is masked as a bare digit string, and an
    already masked number is returned as it is.
    """
    if _MASKED_MOBILE.fullmatch(_fold(phone)):
        return _fold(phone)
    try:
        number = _parse_valid(phone)
    except InvalidPhone:
        digits = re.sub(r"\D", "", _fold(phone))
        return _mask_digits(digits) if digits else "*" * len(phone)
    national = str(number.national_number)
    if _is_mainland_mobile(number):
        return f"{national[:3]}****{national[-4:]}"
    if number.country_code == MAINLAND:
        # Fixed line: the area code is not personal, the subscriber number is.
        area_length = phonenumbers.length_of_geographical_area_code(number) or 0
        area, subscriber = national[:area_length], national[area_length:]
        return f"0{area}-" + "*" * (len(subscriber) - 4) + subscriber[-4:]
    return f"+{number.country_code} {_mask_digits(national)}"


def _id_error(text: str, reason: str) -> InvalidIdCard:
    return InvalidIdCard(f"身份证号码无效 / invalid ID-card number: {mask_id_card(text)!r} ({reason})")


def validate_id_card(text: str) -> str:
    """A mainland resident ID-card number (18 characters), upper-case, or InvalidIdCard saying why.

    Checked part by part so the message can name the wrong part: format, birth date, region, check digit.
    """
    number = re.sub(r"[\s\-]", "", _fold(text)).upper()
    if len(number) != 18:
        raise _id_error(text, f"length {len(number)}, expected 18 / 长度应为18位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise _id_error(text, "format: 17 digits and a digit or X / 格式错误")
    try:
        born = ric.get_birth_date(number)
    except Exception as exc:
        raise _id_error(text, f"birth date {number[6:14]} does not exist / 出生日期错误") from exc
    if born > date.today() or born.year < 1900:
        raise _id_error(text, f"birth date {number[6:14]} out of range / 出生日期错误")
    try:
        ric.get_birth_place(number)
    except Exception as exc:
        raise _id_error(text, f"region code {number[:6]} unknown / 地区码错误") from exc
    if ric.calc_check_digit(number) != number[17]:
        raise _id_error(text, "check digit wrong / 校验码错误")
    return number


def mask_id_card(number: str) -> str:
    """First 3 and last 4 characters visible: "110***********123X". Never raises."""
    compact = re.sub(r"\s", "", _fold(number)).upper()
    if len(compact) <= 7:
        return "*" * len(compact)
    return compact[:3] + "*" * (len(compact) - 7) + compact[-4:]


_COMPOUND_SURNAME_LIST = """
    欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫 宗政 濮阳
    公冶 太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官 司寇 巫马 公西 颛孙
    壤驷 公良 漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延 东郭 南门 羊舌 微生 梁丘 左丘
    东门 西门 第五 公户 公仪 公伯 呼衍 即墨 达奚 褚师 歐陽 司馬 諸葛 上官 東方 皇甫 尉遲 公孫 長孫
    宇文 令狐 夏侯 慕容 司徒 鍾離 閭丘 軒轅
"""
COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAME_LIST.split())


def surname_of(name: str) -> str:
    """The family name: the first character, or two for a compound surname (欧阳, 司马, 诸葛...).

    A two-character name keeps a one-character surname (钟离 is 钟 + 离, not the compound 钟离).
    A name without Chinese characters ("Zhang Wei") gives its first word.
    """
    name = _fold(name)
    if not name:
        return ""
    if not any("\u4e00" <= ch <= "\u9fff" for ch in name):
        return name.split()[0]
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[0]


# --- the journal's personal-data guard ------------------------------------------------------------
# Digit groups may be joined by any one separator people type between them: blanks, - . / · _ ( ) and
# their full-width forms (folded by NFKC first; dashes and dots outside NFKC are listed here).
_SEPARATOR = r"[\s\-./·_()\u2010-\u2015\u2212\u30fb\u3002]"
_GROUPED_DIGITS = re.compile(rf"\+?\d(?:{_SEPARATOR}{{0,3}}\d)*(?:{_SEPARATOR}{{0,3}}[Xx](?![0-9A-Za-z]))?")
_MOBILE_DIGITS = re.compile(r"(?:0{0,2}86)?1[3-9]\d{9}")
_INTERNATIONAL_DIGITS = re.compile(r"\+[1-9]\d{6,14}")
_ID_CARD_DIGITS = re.compile(r"\d{17}[\dXx]")
# Hex digests and identifiers (lookup tokens, note references, the 16-digit site id) and UUIDs may hold
# digit runs by chance: not personal data.
_OPAQUE_TOKEN = re.compile(
    r"(?<![0-9A-Za-z])(?:(?=[0-9]*[a-fA-F])[0-9a-fA-F]{16,}"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?![0-9A-Za-z])"
)


MASKED_NUMBER = "[已隐去/masked]"  # what a masked phone or ID-card number reads as in a log or a support bundle


def _kind_of(run: str) -> str | None:
    digits = ("+" if run.startswith("+") else "") + re.sub(r"[^\dXx]", "", run)
    if _MOBILE_DIGITS.fullmatch(digits.lstrip("+")):
        return "a mobile phone number / 手机号"
    if _ID_CARD_DIGITS.fullmatch(digits):
        return "an ID-card number / 身份证号"
    if _INTERNATIONAL_DIGITS.fullmatch(digits):
        return "an international phone number / 电话号码"
    return None


def personal_number_in(text: str) -> str | None:
    """What a phone or ID-card number hidden in `text` looks like ("a mobile phone number / 手机号"), or
    None. Each run of digit groups is joined and judged whole, so "159.1234.5678", "110105-19491231-002X"
    and "138 0000 0001" are caught and a date, an amount or a room number is not."""
    folded = _OPAQUE_TOKEN.sub(" ", unicodedata.normalize("NFKC", text))
    for match in _GROUPED_DIGITS.finditer(folded):
        what = _kind_of(match.group())
        if what is not None:
            return what
    return None


def mask_personal_numbers(text: str) -> tuple[str, int]:
    """`text` with each number `personal_number_in` finds replaced by MASKED_NUMBER, and how many were:
    for free text kept outside the journal (log lines, a support bundle). The rest stays as written."""
    if personal_number_in(text) is None:
        return text, 0
    # folded a character at a time, so each folded character knows where it came from in `text`
    folds = [(unicodedata.normalize("NFKC", char), index) for index, char in enumerate(text)]
    folded = "".join(fold for fold, _index in folds)
    origin = [index for fold, index in folds for _char in fold]
    # identifiers blanked to their own length: a run's place in `scan` is its place in `folded`
    scan = _OPAQUE_TOKEN.sub(lambda token: " " * len(token.group()), folded)
    pieces: list[str] = []
    last = count = 0
    for match in _GROUPED_DIGITS.finditer(scan):
        if _kind_of(match.group()) is not None:
            pieces += [text[last:origin[match.start()]], MASKED_NUMBER]
            last, count = origin[match.end() - 1] + 1, count + 1
    masked = "".join(pieces) + text[last:]
    if personal_number_in(masked) is not None:
        # the guard reads an identifier as one blank and so joins groups on both sides of it, which
        # have no single span here: every digit goes
        return re.sub(r"\d", "#", masked), count + 1
    return masked, count
