"""operations/sheet_limits.py through `read_sheet`: hostile sheets are refused before they cost memory or time,
each refusal naming its cap; the declared dimension is not trusted; `anchang import-reports` and the
console's 报备 page say why and leave the database as it was."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from admin.cli import main
from operations import sheet_limits
from operations.common import AdminError
from operations.report_sheet import check_sheet, read_sheet
from operations.sheet_limits import (
    MAX_COLUMNS,
    MAX_KEPT_CHARS,
    MAX_PART_BYTES,
    MAX_RATIO,
    MAX_ROWS,
    bounded_rows,
)
from service.store import Store
from tests.admin import hostile_sheets as hostile
from tests.db.stores import new_store


@pytest.fixture
def store(sqlite_url: str, tmp_path: Path) -> Iterator[Store]:
    s = new_store(sqlite_url, tmp_path / "keys", ("李强",))
    yield s
    s.dispose()


def refusal(path: Path) -> str:
    with pytest.raises(AdminError) as raised:
        read_sheet(path)
    assert raised.value.code == 2  # a usage error: the file, not the system
    return str(raised.value)


def test_a_zip_bomb_is_refused_from_the_archive_directory(tmp_path: Path) -> None:
    bomb = hostile.zip_bomb(tmp_path / "bomb.xlsx", unpacked_mb=64)
    assert bomb.stat().st_size < 1024 * 1024
    message = refusal(bomb)
    assert "疑似压缩炸弹" in message and f"上限 {MAX_RATIO} 倍" in message and "xl/worksheets/sheet1.xml" in message


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheet_limits, "MAX_FILE_BYTES", 256 * 1024)
    message = refusal(hostile.many_rows(tmp_path / "big.xlsx", 20_000))
    assert "文件过大" in message and "上限 0.25 MB" in message and "the limit is 0.25 MB" in message


def test_the_shared_strings_are_capped_whatever_their_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheet_limits, "MAX_STRINGS_BYTES", 1024 * 1024)
    for name in ("xl/sharedStrings.xml", "xl/worksheets/strings.xml"):  # not streamed because of where it is
        message = refusal(hostile.big_shared_strings(tmp_path / "strings.xlsx", 2, name))
        assert name in message and "上限 1 MB" in message and "the limit is 1 MB" in message


def test_other_parts_read_whole_are_capped(tmp_path: Path) -> None:
    message = refusal(hostile.big_styles(tmp_path / "styles.xlsx", 5))
    assert "xl/styles.xml" in message and f"上限 {MAX_PART_BYTES // (1024 * 1024)} MB" in message


def test_long_cells_are_kept_cut_and_their_rows_refused(store: Store, tmp_path: Path) -> None:
    registered = "渠" * MAX_KEPT_CHARS
    store.add_channel(registered, ["周杰"])
    path = hostile.long_cells(tmp_path / "long.xlsx", 3, 5000)  # starts with the registered name
    rows, _title = read_sheet(path)
    assert [fields["channel"] for _number, fields in rows] == [registered + "…"] * 3
    check = check_sheet(store, path)
    assert check.good == [] and len(check.rejected) == 3 and "unknown channel" in check.rejected[0].reason


def test_all_parts_together_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheet_limits, "MAX_UNPACKED_BYTES", 1024 * 1024)
    message = refusal(hostile.many_rows(tmp_path / "rows.xlsx", 20_000))
    assert "工作簿解压后过大" in message and "上限 1 MB" in message


def test_the_declared_dimension_is_not_trusted(tmp_path: Path) -> None:
    path = hostile.declared_everything(tmp_path / "claims.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    widths = [len(values) for _number, values in bounded_rows(book.active)]
    book.close()
    assert widths == [3, 3, 3, 3]  # the cells there are, not 16,384 per row for 1,048,576 rows
    rows, title = read_sheet(path)
    assert title == "报备" and [number for number, _fields in rows] == [2, 3, 4]


def test_a_value_beyond_the_column_cap_is_refused(tmp_path: Path) -> None:
    message = refusal(hostile.cell_far_right(tmp_path / "wide.xlsx"))
    assert f"第 4 行超过 {MAX_COLUMNS} 列" in message and f"beyond column {MAX_COLUMNS}" in message


def test_a_row_beyond_the_row_cap_is_refused(tmp_path: Path) -> None:
    message = refusal(hostile.row_far_down(tmp_path / "long.xlsx"))
    assert f"超过 {MAX_ROWS} 行" in message and f"more than {MAX_ROWS:,} rows" in message


def test_too_many_rows_are_refused_at_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheet_limits, "MAX_ROWS", 150)
    assert len(read_sheet(hostile.many_rows(tmp_path / "fits.xlsx", 149))[0]) == 149  # 150 rows with the header
    assert "超过 150 行，请拆分后分批导入" in refusal(hostile.many_rows(tmp_path / "over.xlsx", 150))


def test_a_refused_import_leaves_the_database_as_it_was(sqlite_url: str, data_dir: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", sqlite_url)
    assert main(["init"]) == 0
    database = Path(sqlite_url.removeprefix("sqlite:///"))

    def files() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in database.parent.glob(database.name + "*")}

    before = files()
    capsys.readouterr()
    for path, said in ((hostile.zip_bomb(tmp_path / "bomb.xlsx", 32), "疑似压缩炸弹"),
                       (hostile.row_far_down(tmp_path / "long.xlsx"), f"超过 {MAX_ROWS} 行")):
        assert main(["import-reports", str(path)]) == 2
        assert said in capsys.readouterr().err
        assert files() == before
