"""`anchang report ...` on the seeded site (SQLite and PostgreSQL): every report as PDF turned into PNG
pages with pdftoppm, the bundled CJK font embedded (pdffonts), no full phone number in the text, the
daily report's checkpoint read back from its QR code and verified by `anchang verify --checkpoint`; the
same reports as Excel workbooks."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import cv2
import openpyxl
import pytest

from admin.cli import main
from tests.reports.seed import A, B, C, D, E, F, Seeded, seed_site
from vision.qr.decode import QrDecoder

REPORTS = {
    "daily": ["daily", "--date", "2026-03-02"],
    "weekly": ["weekly", "--date", "2026-03-04"],
    "monthly": ["monthly", "--month", "2026-03"],
    "channel": ["channel", "贝壳", "--month", "2026-03"],
    "range": ["channel", "链家", "--from", "2026-03-01", "--to", "2026-03-10"],
    "own": ["monthly", "--month", "2026-03", "--consultant", "王丽"],
}


@pytest.fixture
def site(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seeded]:
    """The seeded site as the configured database of the data directory (its keys there)."""
    seeded = seed_site(db_url, data_dir)
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    yield seeded
    seeded.store.dispose()


def _run(*args: str) -> list[str]:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()


def _pages(pdf: Path, dpi: int = 50) -> list[Path]:
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(pdf.with_suffix(""))], check=True)
    return sorted(pdf.parent.glob(f"{pdf.stem}-*.png"))


def _fonts(pdf: Path) -> list[tuple[str, str]]:
    """(name, embedded) of every font the PDF uses."""
    lines = _run("pdffonts", str(pdf))[2:]
    return [(line.split()[0], line.split()[-5]) for line in lines]


@pytest.mark.parametrize("report", REPORTS)
def test_each_report_prints_with_the_cjk_font_embedded(site: Seeded, tmp_path: Path, report: str) -> None:
    pdf = tmp_path / f"{report}.pdf"
    assert main(["report", *REPORTS[report], "--out", str(pdf)]) == 0
    pages = _pages(pdf)
    assert pages and all(cv2.imread(str(p)) is not None for p in pages)
    fonts = _fonts(pdf)
    assert {name.split("+")[-1] for name, _ in fonts} <= {"NotoSansSC-Regular", "NotoSansSC-Bold"}
    assert any(name.endswith("NotoSansSC-Regular") for name, _ in fonts)
    assert all(embedded == "yes" for _, embedded in fonts)
    text = "\n".join(_run("pdftotext", "-layout", str(pdf), "-"))
    assert "案场通" in text and ("置业顾问 王丽 本人数据" in text) == (report == "own")
    assert not any(phone in text for phone in (A, B, C, D, E, F))  # phones only masked


def test_the_case_sheet_prints(site: Seeded, tmp_path: Path) -> None:
    pdf = tmp_path / "case.pdf"
    assert main(["report", "case", str(site.cases["A"]), "--out", str(pdf)]) == 0
    assert len(_pages(pdf)) == 1
    text = "\n".join(_run("pdftotext", "-layout", str(pdf), "-"))
    for expected in ("判客裁决书", "申请方证据（王丽）", "建议方证据（李强）", "推翻建议裁决", "经理核实：王丽先接触", "138****0001"):
        assert expected in text


def test_the_daily_reports_qr_code_verifies(site: Seeded, tmp_path: Path, data_dir: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "daily.pdf"
    assert main(["report", "daily", "--date", "2026-03-02", "--out", str(pdf)]) == 0
    page = _pages(pdf, dpi=150)[-1]  # the checkpoint is at the foot of the last page
    texts = QrDecoder().decode(cv2.imread(str(page)))
    assert len(texts) == 1
    read_back = tmp_path / "read-back.json"
    read_back.write_text(texts[0], encoding="utf-8")
    printed = "\n".join(_run("pdftotext", str(pdf), "-"))
    checkpoint = json.loads(texts[0])
    assert str(checkpoint["seq"]) in printed and checkpoint["hash"] in printed  # the same numbers as printed
    for kept in (data_dir / "checkpoints").glob("*.json"):
        kept.unlink()  # only the one read from paper
    capsys.readouterr()
    assert main(["verify", "--checkpoint", str(read_back)]) == 0
    assert f"checkpoint {checkpoint['seq']} matches" in capsys.readouterr().out
    checkpoint["hash"] = "0" * 64  # an altered code no longer verifies
    read_back.write_text(json.dumps(checkpoint), encoding="utf-8")
    assert main(["verify", "--checkpoint", str(read_back)]) == 1


def test_the_reports_as_workbooks(site: Seeded, tmp_path: Path) -> None:
    daily = tmp_path / "daily.xlsx"
    assert main(["report", "daily", "--date", "2026-03-02", "--out", str(daily)]) == 0
    book = openpyxl.load_workbook(daily)
    assert {"概览", "来访时段", "渠道业绩", "顾问排行", "来访明细", "接待时长", "未处理预警", "日志检查点"} <= set(book.sheetnames)
    visits = book["来访明细"]
    assert visits.freeze_panes == "A2" and visits["A1"].font.bold
    assert [c.value for c in visits["B"][1:]] == ["138****0002", "138****0001", "138****0005"]
    assert visits["A2"].is_date and visits["A2"].number_format == "hh:mm"
    assert visits.column_dimensions["B"].width >= 11
    stays = book["接待时长"]
    assert [c.value for c in stays[2]] == ["李强", 1, 40.0, 0]
    kept = book["日志检查点"]
    assert kept["A2"].value == "日志序号" and isinstance(kept["B2"].value, int)
    assert kept["B6"].value.startswith("-----BEGIN PUBLIC KEY-----")  # the program's own text, unquoted
    monthly = tmp_path / "monthly.xlsx"
    assert main(["report", "monthly", "--month", "2026-03", "--format", "xlsx", "--out", str(monthly)]) == 0
    book = openpyxl.load_workbook(monthly)
    days = book["每日来访"]
    assert days.max_row == 33 and days["B2"].value == 5 and days["B33"].value == 8  # 31 days and 合计
    beike = next(row for row in book["渠道业绩"].iter_rows(min_row=2) if row[0].value == "贝壳")
    assert [c.value for c in beike] == ["贝壳", 2, 1, 0.5, 1, 1.0, 1, 1, 1, 1.0]
    assert beike[7].data_type == "n" and beike[3].number_format == "0.0%"  # numbers, shares as percentages


@pytest.mark.parametrize("args", [
    ["channel", "不存在", "--month", "2026-03"],
    ["daily", "--date", "2026-13-01"],
    ["monthly", "--month", "March"],
    ["case", "99999"],
    ["channel", "贝壳", "--from", "2026-03-10", "--to", "2026-03-01"],
    ["channel", "贝壳", "--from", "2026-03-10"],
    ["daily", "--consultant", "不存在"],
])
def test_bad_arguments_are_refused_in_one_line(site: Seeded, tmp_path: Path, args: list[str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "never.pdf"
    assert main(["report", *args, "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("错误 / error:") and "\n" not in error
    assert not out.exists()
