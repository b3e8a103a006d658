from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.personal import (
    MASKED_NUMBER,
    InvalidIdCard,
    InvalidPhone,
    mask_id_card,
    mask_personal_numbers,
    mask_phone,
    masked_form,
    normalize_phone,
    parse_masked_phone,
    personal_number_in,
    surname_of,
    validate_id_card,
)


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("13800000001", "+8613800000001"),
        ("138 0000 0001", "+8613800000001"),
        ("138-0000-0001", "+8613800000001"),
        ("+86 13800000001", "+8613800000001"),
        ("+86-138-0000-0001", "+8613800000001"),
        ("8613800000001", "+8613800000001"),
        ("008613800000001", "+8613800000001"),
        ("１３８００００５６７８", "+8613800005678"),  # full-width digits
        (" 19912345678 ", "+8619912345678"),
    ],
)
def test_normalize_phone_accepts(written: str, e164: str) -> None:
    assert normalize_phone(written) == e164


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("1380000", "too short"),
        ("138000000012", "too long"),
        ("12345678901", "no such mobile prefix"),
        ("400 800 8888", "not a mobile or fixed-line number"),
        ("+999 1234567", "unknown country code"),
        ("abc", "not a phone number"),
        ("", "not a phone number"),
        # only mainland mobiles are customers' numbers (README "Phone numbers")
        ("010 1234 5678", "only mainland China mobile numbers are accepted; this is a fixed line"),
        ("021-12345678", "only mainland China mobile numbers are accepted; this is a fixed line"),
        ("+852 9123 4567", "only mainland China mobile numbers are accepted; this is a +852 number"),
        ("+853 6612 3456", "this is a +853 number"),
        ("+1 650 253 0000", "this is a +1 number"),
    ],
)
def test_normalize_phone_rejects_with_reason(written: str, reason: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalize_phone(written)
    message = str(caught.value)
    assert "手机号码无效" in message and "invalid phone number" in message
    assert reason in message
    assert repr(written) in message  # quoted as typed


def test_invalid_phone_message_matches_house_style() -> None:
    with pytest.raises(InvalidPhone, match=r"^手机号码无效 / invalid phone number: '1380000' \(too short\)$"):
        normalize_phone("1380000")


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("+8613812345678", "138****5678"),
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138****5678", "138****5678"),  # already masked stays as it is
        ("+861012345678", "010-****5678"),
        ("+85291234567", "+852 91****67"),
    ],
)
def test_mask_phone(phone: str, shown: str) -> None:
    assert mask_phone(phone) == shown


@pytest.mark.parametrize("garbage", ["1380000", "12345678901", "not a number", "", "+999 1234567"])
def test_mask_phone_never_shows_a_whole_invalid_number(garbage: str) -> None:
    shown = mask_phone(garbage)
    digits = "".join(ch for ch in garbage if ch.isdigit())
    if digits:
        assert digits not in shown
    assert "*" in shown or garbage == ""


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mask_phone_hides_the_middle_four_of_every_mainland_mobile(national: str) -> None:
    try:
        normalize_phone(national)
    except InvalidPhone:
        return  # not an allocated prefix
    assert mask_phone(national) == national[:3] + "****" + national[-4:]


def test_masked_form_and_parse_masked_phone_agree() -> None:
    assert masked_form("+8613812345678") == "138****5678"
    assert parse_masked_phone(masked_form("+8613812345678")) == ("138", "5678")


@pytest.mark.parametrize("written", ["138****5678", " 138****5678 ", "138＊＊＊＊5678", "138xxxx5678"])
def test_parse_masked_phone_accepts_channel_spellings(written: str) -> None:
    assert parse_masked_phone(written) == ("138", "5678")


@pytest.mark.parametrize(
    "written", ["13812345678", "138***5678", "138*****5678", "123****5678", "****5678", "138****567", ""]
)
def test_parse_masked_phone_rejects(written: str) -> None:
    with pytest.raises(InvalidPhone):
        parse_masked_phone(written)


@pytest.mark.parametrize("phone", ["+861012345678", "+85291234567", "1380000"])
def test_masked_form_needs_a_mainland_mobile(phone: str) -> None:
    with pytest.raises(InvalidPhone):
        masked_form(phone)


# ID-card numbers: region 110105 (Beijing Chaoyang), 440304 (Shenzhen Futian), 310101 (Shanghai Huangpu).
@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),  # lower-case check digit
        ("110105 19491231 002X", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width
        ("440304199001011233", "440304199001011233"),
        ("310101198002290015", "310101198002290015"),  # 29 February of a leap year
    ],
)
def test_validate_id_card_accepts(written: str, normal: str) -> None:
    assert validate_id_card(written) == normal


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("11010519491231003X", "check digit"),
        ("440304199001011234", "check digit"),
        ("110105199902310029", "birth date 19990231"),  # 31 February, check digit correct
        ("310101198102290014", "birth date 19810229"),  # 29 February of a common year
        ("110105189001010025", "out of range"),  # born 1890
        ("990105199001010022", "region code 990105"),  # no such region, check digit correct
        ("1101051949123100", "length 16"),
        ("11010519491231002XX", "length 19"),
        ("11010519491231002Y", "format"),
        ("1101051949123100AX", "format"),
    ],
)
def test_validate_id_card_rejects_naming_the_part(written: str, reason: str) -> None:
    with pytest.raises(InvalidIdCard) as caught:
        validate_id_card(written)
    message = str(caught.value)
    assert "身份证号码无效" in message and "invalid ID-card number" in message
    assert reason in message
    assert written not in message  # the number itself is masked even in errors


def test_mask_id_card() -> None:
    assert mask_id_card("11010519491231002X") == "110***********002X"
    assert mask_id_card("11010519491231002x") == "110***********002X"
    assert mask_id_card("123") == "***"


@pytest.mark.parametrize(
    ("name", "surname"),
    [
        ("张三", "张"),
        ("王小明", "王"),
        ("欧阳娜娜", "欧阳"),
        ("司马光", "司马"),
        ("诸葛亮", "诸葛"),
        ("上官婉儿", "上官"),
        ("东方明", "东方"),
        ("尉迟恭", "尉迟"),
        ("令狐冲", "令狐"),
        ("夏侯惇", "夏侯"),
        ("慕容复", "慕容"),
        ("钟离", "钟"),  # two characters: a one-character surname and a given name
        (" 李 四 ", "李"),
        ("Zhang Wei", "Zhang"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_surname_of(name: str, surname: str) -> None:
    assert surname_of(name) == surname


@pytest.mark.parametrize(
    "text",
    [
        "159.1234.5678",
        "客户电话 159 1234 5678 请回访",
        "(159) 1234-5678",
        "159/1234/5678",
        "１５９－１２３４－５６７８",  # full-width digits and dash
        "159—1234—5678",  # em dashes
        "+86 159-1234-5678",
        "0086 15912345678",
        "+852 9123 4567",
        "110105-19491231-002X",
        "110105 1949 1231 002x",
        "身份证：110105.19491231.0021",
        "电话13912345678",  # beside a word, not inside a hex token
        "13912345678abcd",  # 15 characters: too short to be a token
        "tel 13912345678 ab12cd34ef",
    ],
)
def test_guard_finds_numbers_in_any_spacing_or_punctuation(text: str) -> None:
    assert personal_number_in(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-01T09:30:00.123456+00:00",
        "房号 1-1302，总价 1380000.00 元",
        "订单 202503011234",
        "客户 138****5678 张女士已核实",
        "a13800000001f" + "0" * 51,  # a hex digest that holds 11 digits by chance
        "7fb17907853935ae",  # a site id (service/key_bundle.site_id, 8 bytes) that did, in a CI run
        "3f2a9c1e-1380-0000-0001-0a1b2c3d4e5f",
    ],
)
def test_guard_lets_dates_amounts_masks_and_digests_through(text: str) -> None:
    assert personal_number_in(text) is None


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("客户电话 159 1234 5678 请回访", ("客户电话 ", " 请回访")),
        ("call from +86-138-0000-0001 at 09:30", ("call from ", " at 09:30")),
        ("身份证：110105.19491231.0021，已核实", ("身份证：", "，已核实")),
        ("token 3f2a9c1e-1380-0000-0001-0a1b2c3d4e5f phone 13912345678", ("token 3f2a9c1e-1380-0000-0001-0a1b2c3d4e5f",)),
        ("１５９－１２３４－５６７８", ()),  # full-width: folded, then masked
    ],
)
def test_masking_hides_each_number_the_guard_finds_and_keeps_the_rest(text: str, kept: tuple[str, ...]) -> None:
    masked, count = mask_personal_numbers(text)
    assert count == 1 and MASKED_NUMBER in masked
    assert personal_number_in(masked) is None
    assert all(part in masked for part in kept)


def test_masking_leaves_text_without_numbers_as_it_was() -> None:
    text = "订单 202503011234，房号 1-1302，客户 138****5678，ＦＵＬＬ　ＷＩＤＴＨ"
    assert mask_personal_numbers(text) == (text, 0)


def test_masking_counts_every_number_in_a_line() -> None:
    masked, count = mask_personal_numbers("13800000001, 13800000002 and 110105194912310021")
    assert count == 3 and masked.count(MASKED_NUMBER) == 3


def test_a_number_the_guard_joins_across_an_identifier_is_still_masked() -> None:
    # the guard reads an identifier as one blank, so these groups join into a mobile number; masking
    # cannot mask a span there and wipes the line's digits instead
    text = "138 0013 7fb17907853935ae 8000"
    assert personal_number_in(text) is not None
    masked, count = mask_personal_numbers(text)
    assert count >= 1 and personal_number_in(masked) is None


@given(st.text(alphabet="0123456789 -.+Xx()abcdef一二", max_size=60))
def test_masked_text_never_holds_what_the_guard_finds(text: str) -> None:
    masked, count = mask_personal_numbers(text)
    assert personal_number_in(masked) is None
    assert (count == 0) == (personal_number_in(text) is None)
