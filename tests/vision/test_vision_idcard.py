import datetime as dt

import pytest

from vision.idcard import (
    IdCardReader,
    InvalidIdNumber,
    NoCardError,
    ReaderChecksumError,
    ReaderError,
    ReaderNotFoundError,
    check_id_number,
    protocol,
)
from vision.idcard.simulator import CardImage, SimulatedReader

# --- ID numbers --------------------------------------------------------------------------------


def test_valid_number_with_x_check_digit():
    info = check_id_number("11010519491231002x")
    assert info.number == "11010519491231002X"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.province == "北京市" and info.county == "朝阳区"
    assert info.gender == "F"
    assert info.masked == "110105********002X"


def test_spaces_are_tolerated():
    assert check_id_number("110105 19491231 002X").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("11010519491231002", "length"),
        ("1101051949123100XX", "format"),
        ("110105194912310021", "checksum"),  # last digit should be X
        ("110105194913310027", "birth_date"),  # month 13
        ("110105194902300021", "birth_date"),  # 30 February
        ("990105194912310023", "region"),
    ],
)
def test_invalid_numbers_name_the_reason(text, reason):
    with pytest.raises(InvalidIdNumber) as caught:
        check_id_number(text)
    assert caught.value.reason == reason
    assert caught.value.message


def test_future_birth_date_is_refused():
    with pytest.raises(InvalidIdNumber) as caught:
        check_id_number("11010519491231002X", today=dt.date(1949, 1, 1))
    assert caught.value.reason == "birth_date"


# --- protocol -------------------------------------------------------------------------------


def test_request_frames_match_the_published_bytes():
    assert protocol.encode_request(protocol.CMD_FIND_CARD).hex() == "aaaaaa9669000320 0122".replace(" ", "")
    assert protocol.encode_request(protocol.CMD_SELECT_CARD).hex() == "aaaaaa966900032002 21".replace(" ", "")
    assert protocol.encode_request(protocol.CMD_READ_TEXT_AND_PHOTO).hex() == "aaaaaa96690003300132"
    assert protocol.encode_request(protocol.CMD_READ_SAM_ID).hex() == "aaaaaa96690003 12ffee".replace(" ", "")


def test_response_round_trip_and_checksum():
    frame = protocol.encode_response(protocol.STATUS_OK, b"\x01\x02")
    assert protocol.decode_response(frame) == protocol.Response(protocol.STATUS_OK, b"\x01\x02")
    with pytest.raises(protocol.FrameChecksumError):
        protocol.decode_response(frame[:-1] + bytes([frame[-1] ^ 1]))


# --- reader against the simulated reader on a pseudo-terminal ----------------------------------


def test_read_card_text_and_photo():
    with SimulatedReader(card=CardImage()) as sim, IdCardReader(sim.port) as reader:
        card = reader.read_card()
    assert card.text.name == "张三"
    assert card.text.gender == "男"
    assert card.text.ethnicity == "汉"
    assert card.text.id_number == "11010519491231002X"
    assert card.text.address == "北京市朝阳区某某路1号"
    assert card.text.valid_until is None
    assert card.text.birth_date == dt.date(1949, 12, 31)
    assert len(card.photo_wlt) == 1024
    assert sim.requests == [
        protocol.CMD_READ_SAM_ID,
        protocol.CMD_FIND_CARD,
        protocol.CMD_SELECT_CARD,
        protocol.CMD_READ_TEXT_AND_PHOTO,
    ]
    check_id_number(card.text.id_number)


def test_no_card_then_card():
    with SimulatedReader(card=None) as sim, IdCardReader(sim.port) as reader:
        with pytest.raises(NoCardError):
            reader.read_card()
        sim.card = CardImage()
        assert reader.read_card().text.name == "张三"


def test_bad_checksum_is_reported_and_the_next_read_works():
    with SimulatedReader(card=CardImage()) as sim, IdCardReader(sim.port) as reader:
        sim.corrupt_next = True
        with pytest.raises(ReaderChecksumError):
            reader.read_card()
        assert reader.read_card().text.id_number == "11010519491231002X"


def test_no_reader_on_missing_port():
    with pytest.raises(ReaderNotFoundError):
        IdCardReader("/dev/does-not-exist-anchang").open()


def test_silent_port_is_no_reader():
    with SimulatedReader() as sim:
        sim._stop.set()  # the device is there but nothing answers
        sim._thread.join()
        with pytest.raises(ReaderNotFoundError):
            IdCardReader(sim.port, timeout=0.1).open()


def test_reader_error_status_is_raised():
    with SimulatedReader(card=CardImage()) as sim, IdCardReader(sim.port) as reader:
        sim._answer = lambda command: protocol.encode_response(0x41)  # type: ignore[method-assign]
        with pytest.raises(ReaderError, match="0x41"):
            reader.read_card()
