"""数据看板 on the hand-counted site of tests/reports/seed.py (March 2026, read at D3 18:00; how each
figure is counted: tests/reports/test_figures.py), SQLite and PostgreSQL: the figures shown, a change of
period, the monthly target (a manager's, refused to a consultant), the customers behind a number within
the user's scope, and the period's report exported (PDF, Excel) and printed to a PDF file offscreen."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QPushButton

from console.chart_words import chart_words
from console.pages.dashboard import DashboardPage
from console.pages.dashboard_parts import FigureTable
from console.pages.dashboard_sections import CHARTS
from console.pages.report_words import warning_kinds
from console.window import ConsoleWindow
from reports import desk_reports
from reports.behind import RECEIVED, Behind
from reports.charts import ChartWords
from reports.period import DAY, MONTH, RANGE, month_of
from reports.target import visit_target
from service import users
from service.desk import Desk
from service.roles import PermissionDenied
from tests.console.conftest import PASSWORD, USERS
from tests.console.helpers import click, open_console, settle
from tests.reports.seed import ZONE, Seeded, seed_site
from ui.i18n import install_translator

PHONE = {f"138****000{i}": name for i, name in enumerate("ABCDEFG", start=1)}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
NAMES = ("李强", "王丽", "贝壳", "链家", "路过", "渠道带看", "网络广告", "朋友介绍")  # consultants, channels, sources
NUMBER = re.compile(r"-?\d+(\.\d+)?")


@pytest.fixture
def seeded(db_url: str, tmp_path: Path) -> Iterator[Seeded]:
    s = seed_site(db_url, tmp_path / "keys")
    for name, (role, consultant) in USERS.items():
        users.add_user(s.store, name, role, PASSWORD, consultant=consultant)
    yield s
    s.store.dispose()


def dashboard(qtbot: Any, seeded: Seeded, user: str, kind: str = MONTH) -> tuple[ConsoleWindow, DashboardPage]:
    window = open_console(qtbot, seeded.store, user)
    page = window.open_page("dashboard")
    settle(window)
    if kind != page.picker.kind:
        page.picker.choose(kind)
        settle(window)
    return window, page


def tiles(page: DashboardPage) -> dict[str, str]:
    return {name: tile.text for name, tile in page.board.tiles.items()}


def table(view: Any) -> list[list[str]]:
    return [[view.item(r, c).text() if view.item(r, c) else "" for c in range(view.columnCount())]
            for r in range(view.rowCount())]


def listed(window: ConsoleWindow, page: DashboardPage) -> list[str]:
    """The customers the click-through lists, as A..G."""
    settle(window)
    assert page.current is page.behind
    return sorted(PHONE[row.phone_masked] for row in page.behind.rows)


def click_cell(window: ConsoleWindow, page: DashboardPage, view: Any, row_name: str, column: str) -> list[str]:
    page.show_board()
    headers = [view.horizontalHeaderItem(c).text() for c in range(view.columnCount())]
    row = [view.item(r, 0).text() for r in range(view.rowCount())].index(row_name)
    view.cellClicked.emit(row, headers.index(column))
    return listed(window, page)


def click_tile(window: ConsoleWindow, page: DashboardPage, name: str) -> list[str]:
    page.show_board()
    page.board.tiles[name].value.click()
    return listed(window, page)


def test_the_board_shows_the_hand_counted_month(qtbot: Any, seeded: Seeded) -> None:
    window, page = dashboard(qtbot, seeded, "经理")
    assert page.period == month_of(date(2026, 3, 1), ZONE)
    assert "2026年3月" in page.summary.text() and "全站数据" in page.summary.text()
    assert tiles(page) == {"groups": "8", "first": "6", "returning": "2", "unverified": "1", "reports": "4",
                           "pledge": "2", "subscribe": "2", "contract": "1", "cases_opened": "2",
                           "cases_decided": "2", "cases_kept": "1", "cases_overridden": "1", "warnings": "4",
                           "precision": "50.0%"}
    assert page.board.tiles["groups"].note.text() == "来访人次 9"
    assert (page.target.caption.text(), page.target.visits.text()) == ("3月累计来访", "8 组")
    assert "未设月度目标" in page.target.label.text() and page.target.bar.isHidden()
    b = page.board
    assert table(b.sources) == [["路过", "3", "37.5%"], ["渠道带看", "2", "25.0%"], ["网络广告", "2", "25.0%"],
                                ["朋友介绍", "1", "12.5%"]]
    assert table(b.shares) == [["自然来访", "6", "75.0%"], ["贝壳", "1", "12.5%"], ["链家", "1", "12.5%"]]
    assert table(b.channels) == [
        ["自然来访", "0", "0", "—", "3", "—", "1", "0", "0", "0.0%"],
        ["贝壳", "2", "1", "50.0%", "1", "100.0%", "1", "1", "1", "100.0%"],
        ["链家", "2", "1", "50.0%", "1", "100.0%", "0", "1", "0", "100.0%"]]
    assert table(b.funnel) == [["报备", "4", "", ""], ["来访", "8", "2 / 2", "100.0%"], ["认筹", "2", "2 / 6", "33.3%"],
                               ["认购", "2", "1 / 2", "50.0%"], ["签约", "1", "1 / 2", "50.0%"]]
    assert b.funnel.item(2, 3).toolTip() == "本期到访的 6 位客户中，2 位本期认筹"  # what the rate is a share of
    assert "不超过100%" in b.funnel.horizontalHeaderItem(3).toolTip()
    assert table(b.invalid) == [["客户已到访过", "1"], ["截客（报备过晚）", "1"]]
    assert table(b.people) == [["李强", "5", "3", "2", "1", "33.3%", "2", "1"],
                               ["王丽", "3", "3", "0", "1", "33.3%", "3", "0"]]
    assert table(b.warnings) == [["渠道客户快速成交", "1", "0", "0", "0", "1"], ["截客（报备过晚）", "1", "0", "1", "0", "0"],
                                 ["多次到访未认筹", "1", "1", "0", "0", "0"],
                                 ["待确认登记未处理", "1", "1", "0", "0", "0"]]  # E, left waiting on D2
    assert b.by_day.isVisibleTo(page) and b.by_hour.figure is not None  # the charts of reports/charts.py
    assert [t.get_text() for t in b.funnel_chart.figure.axes[0].texts][-1] == "签约 1  转化 50.0%"
    assert not b.by_hour.image().isNull()
    # a receptionist has no dashboard; a consultant sees their own figures
    window.logout()
    window.enter(users.authenticate(seeded.store, "前台", PASSWORD))
    assert "dashboard" not in window.pages


def test_a_change_of_period_and_journal_news_recount(qtbot: Any, seeded: Seeded) -> None:
    window, page = dashboard(qtbot, seeded, "经理", DAY)
    assert page.period is not None and page.period.first == date(2026, 3, 3)  # the store's today: D3
    assert tiles(page)["groups"] == "0" and not page.board.by_day.isVisibleTo(page)
    page.picker.choose(RANGE, date(2026, 3, 1), date(2026, 3, 1))
    settle(window)
    assert (tiles(page)["groups"], tiles(page)["first"], page.board.by_hour.figure is not None) == ("5", "5", True)
    assert "2026-03-01" in page.summary.text()
    page.picker.last.setDate(page.picker.last.date().addDays(1))  # D1 and D2: B's two groups count twice
    settle(window)
    assert (tiles(page)["groups"], tiles(page)["returning"]) == ("8", "2")
    page.picker.choose(DAY)
    settle(window)
    canvases = {name: view.canvas for name, view in page.board.charts.items()}
    visit = seeded.store.register_visit("13800000007", name="高先生", ref="ref-G", source="路过",
                                        arrived_at=seeded.store.clock.at)  # type: ignore[attr-defined]
    window.ctx.journal.emit(visit.seq)  # as the live feed tells the window
    qtbot.waitUntil(lambda: tiles(page)["groups"] == "1", timeout=10_000)
    settle(window)
    assert tiles(page)["first"] == "1" and page.target.visits.text() == "9 组"
    # only the charts whose figures changed are built again (on the worker) and redrawn
    redrawn = {name for name, view in page.board.charts.items() if view.canvas is not canvases[name]}
    assert redrawn == {"days", "hours", "sources", "channels", "funnel", "people"}  # not the warnings


def test_the_manager_sets_the_monthly_target_a_consultant_may_not(qtbot: Any, seeded: Seeded) -> None:
    window, page = dashboard(qtbot, seeded, "经理")
    assert page.target.set_button.isVisibleTo(page)
    page.set_target(300)
    settle(window)
    assert visit_target(seeded.store) == 300
    assert "月度目标 300 组" in page.target.label.text()
    assert (page.target.bar.value(), page.target.bar.maximum(), page.target.bar.text()) == (8, 300, "完成 2.7%")
    window.logout()
    window.enter(users.authenticate(seeded.store, "李强", PASSWORD))
    settle(window)
    page = window.open_page("dashboard")
    settle(window)
    assert not page.target.set_button.isVisibleTo(page)
    assert "未设月度目标" in page.target.label.text()  # a consultant's own figures carry no site target
    page.set_target(10)  # the store refuses it, whatever the screen shows
    settle(window)
    assert window.refusal_banner.kind == "role" and visit_target(seeded.store) == 300
    assert window.refusal_banner.text.text().startswith("无权操作：李强（置业顾问）没有此操作的权限")
    with pytest.raises(PermissionDenied):
        desk_reports.set_target(window.ctx.desk, 10)  # type: ignore[arg-type]


def test_a_number_opens_the_customers_behind_it_within_the_users_scope(qtbot: Any, seeded: Seeded) -> None:
    window, page = dashboard(qtbot, seeded, "经理")
    b = page.board
    assert click_tile(window, page, "first") == ["A", "B", "C", "D", "E", "F"]
    assert "共 6 位客户" in page.behind.count.text() and "未列出" not in page.behind.count.text()
    assert click_tile(window, page, "returning") == ["A", "B"]
    assert click_tile(window, page, "contract") == ["F"]
    assert click_cell(window, page, b.channels, "贝壳", "成交") == ["C"]
    assert click_cell(window, page, b.channels, "自然来访", "带访") == ["A", "B", "D"]
    assert click_cell(window, page, b.shares, "自然来访", "来访组数") == ["A", "B", "D", "E"]
    assert click_cell(window, page, b.people, "李强", "认筹") == ["A", "C"]
    page.show_board()
    page.scroll_to("people")
    settle(window)
    scrolled = page._scroll_bar().value()  # type: ignore[union-attr]
    assert scrolled > 0
    assert click_cell(window, page, b.people, "王丽", "保护中客户") == ["A", "B", "F"]
    assert page._scroll_bar().value() == 0  # type: ignore[union-attr] # the list starts at the top
    page.show_board()
    assert page._scroll_bar().value() == scrolled  # type: ignore[union-attr] # and the board is back where it was
    assert click_cell(window, page, b.invalid, "截客（报备过晚）", "报备数") == ["D"]
    assert click_cell(window, page, b.funnel, "认购", "数量") == ["C", "F"]
    assert click_cell(window, page, b.funnel, "来访", "转化人数") == ["C", "F"]  # their reports brought them
    assert click_cell(window, page, b.funnel, "认筹", "转化人数") == ["A", "C"]
    assert click_cell(window, page, b.warnings, "渠道客户快速成交", "已排除") == ["C"]
    assert "渠道客户快速成交 · 已排除" in page.behind.title.text()
    f_id = page.behind.rows[0].id
    page.behind.table.selectRow(0)
    click(qtbot, window, "dashboard_behind_open")  # the customer's page, on 客户
    customers = window.current_page()
    assert customers is not None and customers.key == "customers"
    assert customers.stack.currentWidget() is customers.detail  # type: ignore[attr-defined]
    assert customers.detail.customer_id == f_id  # type: ignore[attr-defined]

    window.logout()  # 王丽: her own figures, and of their customers only those she may see
    window.enter(users.authenticate(seeded.store, "王丽", PASSWORD))
    page = window.open_page("dashboard")
    settle(window)
    page.picker.choose(MONTH)
    settle(window)
    assert "王丽 本人数据" in page.summary.text()
    assert tiles(page)["groups"] == "3" and [r[0] for r in table(page.board.people)] == ["王丽"]
    assert click_tile(window, page, "groups") == ["F"]  # D is 李强's now, E nobody's yet
    assert "另有 2 位不在您的客户与公海中，未列出" in page.behind.count.text()
    assert click_cell(window, page, page.board.people, "王丽", "保护中客户") == ["A", "B", "F"]
    desk = window.ctx.desk
    assert isinstance(desk, Desk)
    with pytest.raises(PermissionDenied):
        desk_reports.behind_page(desk, page.period, Behind(RECEIVED, "李强"), 0, 50)  # type: ignore[arg-type]


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_pages(path: Path) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    return int(fields["Pages"]), fields["Page size"].strip()


def test_the_periods_report_is_exported_and_printed(qtbot: Any, seeded: Seeded, tmp_path: Path) -> None:
    window, page = dashboard(qtbot, seeded, "经理")
    page.export_pdf(tmp_path / "月报")  # the extension is added
    settle(window)
    month_pdf = tmp_path / "月报.pdf"
    text = pdf_text(month_pdf)
    for shown in ("月报", "2026年3月", "来访组数", "首访 6 · 复访 2", "有效 2 · 带访 2"):
        assert shown in text, shown
    assert any(line.split()[:3] == ["贝壳", "2", "1"] for line in text.splitlines())  # 渠道业绩: reports, valid
    assert "已导出" in window.message_bar.text()
    page.export_xlsx(tmp_path / "月报.xlsx")
    settle(window)
    book = openpyxl.load_workbook(tmp_path / "月报.xlsx")
    rows = list(book["渠道业绩"].iter_rows(values_only=True))
    assert rows[2][:3] == ("贝壳", 2, 1)

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    page.print_report(printer)
    settle(window, timeout=60)
    assert pdf_pages(tmp_path / "printed.pdf")[0] == pdf_pages(month_pdf)[0]  # the same pages, on paper
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(tmp_path / "printed.pdf"),
                    str(tmp_path / "sheet")], check=True)
    sheet = QImage(str(next(tmp_path.glob("sheet*.png"))))
    dark = sum(1 for x in range(0, sheet.width(), 3) for y in range(0, sheet.height(), 3)
               if sheet.pixelColor(x, y).lightness() < 128)
    assert dark > 200  # the title, tiles and tables, not a blank sheet
    assert f"已发送到打印机：{pdf_pages(month_pdf)[0]} 页" in window.message_bar.text()

    page.commission("贝壳", "pdf", tmp_path / "贝壳.pdf")  # 渠道佣金凭证, landscape
    settle(window)
    assert "渠道佣金凭证" in pdf_text(tmp_path / "贝壳.pdf") and "138****0003" in pdf_text(tmp_path / "贝壳.pdf")
    landscape = QPrinter(QPrinter.PrinterMode.HighResolution)
    landscape.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    landscape.setOutputFileName(str(tmp_path / "printed_commission.pdf"))
    page.commission("贝壳", "print", landscape)
    settle(window, timeout=60)
    assert pdf_pages(tmp_path / "printed_commission.pdf") == (1, "842 x 595 pts (A4)")

    page.picker.choose(DAY)  # 日报: the day's signed checkpoint, kept where `anchang verify` reads it
    settle(window)
    page.export_pdf(tmp_path / "日报.pdf")
    settle(window)
    assert "日志检查点" in pdf_text(tmp_path / "日报.pdf")
    assert list((tmp_path / "keys" / "checkpoints").glob("checkpoint-*.json"))


def test_a_consultant_exports_their_own_report_and_no_commission(qtbot: Any, seeded: Seeded,
                                                                 tmp_path: Path) -> None:
    window, page = dashboard(qtbot, seeded, "李强")
    assert page.board.commission_channel is None
    assert page.findChild(QPushButton, "dashboard_commission_pdf") is None
    page.export_pdf(tmp_path / "mine.pdf")
    settle(window)
    text = pdf_text(tmp_path / "mine.pdf")
    assert "置业顾问 李强 本人数据" in text and "王丽" not in text.split("顾问排行")[-1]
    page.commission("贝壳", "pdf", tmp_path / "no.pdf")  # not shown to a consultant; the desk refuses it too
    settle(window)
    assert not (tmp_path / "no.pdf").exists() and "无权限" in window.message_bar.text()


def test_the_dashboard_buttons_are_touch_sized(qtbot: Any, seeded: Seeded) -> None:
    window, page = dashboard(qtbot, seeded, "经理", DAY)
    for name in ("dashboard_export_pdf", "dashboard_export_xlsx", "dashboard_print", "dashboard_set_target",
                 "dashboard_period_day", "dashboard_period_range", "dashboard_commission_pdf",
                 "dashboard_month_visits"):
        widget = page.findChild(QPushButton, name)
        assert widget is not None and widget.height() >= 48, name
    zero = page.board.tiles["groups"]  # today: no visit yet, so nothing to open
    assert zero.plain.isVisibleTo(page) and not zero.value.isVisibleTo(page) and zero.behind is None


def test_a_case_sheet_is_exported_and_printed_from_the_case_page(qtbot: Any, seeded: Seeded,
                                                                   tmp_path: Path) -> None:
    window = open_console(qtbot, seeded.store, "经理")
    cases = window.open_page("cases")
    settle(window)
    cases.open_case(seeded.cases["A"])  # type: ignore[attr-defined]
    settle(window)
    assert cases.findChild(QPushButton, "case_sheet_pdf").isVisibleTo(cases)
    cases.export_sheet(tmp_path / "case.pdf")  # type: ignore[attr-defined]
    settle(window)
    text = pdf_text(tmp_path / "case.pdf")
    assert "判客裁决书" in text and f"案件 #{seeded.cases['A']}" in text and "推翻建议裁决" in text
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "case_printed.pdf"))
    cases.print_sheet(printer)  # type: ignore[attr-defined]
    settle(window, timeout=60)
    assert pdf_pages(tmp_path / "case_printed.pdf") == (pdf_pages(tmp_path / "case.pdf")[0], "595 x 842 pts (A4)")
    window.logout()  # a consultant sees the case (a side of it) but prints no decision sheet
    window.enter(users.authenticate(seeded.store, "王丽", PASSWORD))
    cases = window.open_page("cases")
    settle(window)
    assert cases.findChild(QPushButton, "case_sheet_pdf") is None


def drawn_texts(figure: Figure) -> list[str]:
    figure.canvas.draw()  # tick labels exist once drawn
    return [t.get_text() for t in figure.findobj(Text) if t.get_text() and t.get_visible()]


def board_texts(page: DashboardPage) -> dict[str, list[str]]:
    """Every text each chart on the board draws."""
    figures = {name: view.figure for name, view in page.board.charts.items()}
    assert all(figure is not None for figure in figures.values())
    return {name: drawn_texts(figure) for name, figure in figures.items() if figure is not None}


def test_in_english_the_charts_are_english_but_for_names(qtbot: Any, qapp: Any, seeded: Seeded) -> None:
    install_translator(qapp, "en")
    try:
        window, page = dashboard(qtbot, seeded, "经理")
        shown = board_texts(page)
    finally:
        install_translator(qapp, "zh")
    for chart, texts in shown.items():
        for text in texts:
            assert not CJK.search(re.sub("|".join(NAMES), "", text)), (chart, text)
    assert {"Visits by channel (groups)", "Walk-in", "贝壳", "6 (75.0%)"} <= set(shown["channels"])
    assert "Signed 1  conv. 50.0%" in shown["funnel"]
    assert {"李强", "王丽", "Groups received", "First visits", "Deals"} <= set(shown["people"])
    assert {"Warning outcomes (precision 50.0%)", "Quick deal on a channel customer"} <= set(shown["warnings"])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_table_header_is_cut_off(qtbot: Any, qapp: Any, seeded: Seeded, language: str) -> None:
    """Each column is as wide as its header needs (Protected customers, Blacklisted ...), in both languages."""
    install_translator(qapp, language)
    try:
        window, page = dashboard(qtbot, seeded, "经理")
        tables = page.board.findChildren(FigureTable)
        assert len(tables) == 7
        for view in tables:
            header = view.horizontalHeader()
            for column in range(view.columnCount()):
                text = view.horizontalHeaderItem(column).text()
                assert header.sectionSize(column) >= header.sectionSizeHint(column), (view.objectName(), text)
            assert header.length() <= view.viewport().width()  # and none runs past the table's edge
    finally:
        install_translator(qapp, "zh")


def test_in_chinese_the_charts_say_what_paper_says(qtbot: Any, seeded: Seeded) -> None:
    words = ChartWords(kinds=warning_kinds())  # paper's words; the warning kinds as the table beside names them
    assert chart_words() == words
    window, page = dashboard(qtbot, seeded, "经理")
    assert page.figures is not None
    for name, texts in board_texts(page).items():
        paper = drawn_texts(CHARTS[name][1](page.figures, words))
        # tick values aside: the locator picks them for the size drawn at
        assert [t for t in texts if not NUMBER.fullmatch(t)] == [t for t in paper if not NUMBER.fullmatch(t)], name
    assert "转化漏斗：报备 → 来访 → 认筹 → 认购 → 签约" in board_texts(page)["funnel"]
