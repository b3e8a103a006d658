"""Every file the console writes is its owner's alone, 0600 like the CLI's (issue 15, item 11d: the
console's exports were 0644, readable by every account on a shared office PC): reports as PDF and Excel,
a case's ruling, the report template, an appointment's QR code and slip, the key bundle. The umask here
is the usual 022, which made them 0644."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from console.context import ConsoleContext
from console.pages.appointment_code import AppointmentCodeCard, code_picture
from console.private_files import write_private, write_private_bytes
from service.queries.appointments import AppointmentRow
from service.store import Store
from tests.console.helpers import open_console, settle
from tests.console.test_cases import dispute


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_helper_makes_new_and_existing_files_private_and_leaves_nothing_when_a_write_fails(
        tmp_path: Path) -> None:
    assert mode(write_private_bytes(tmp_path / "new.bin", b"x")) == 0o600
    old = tmp_path / "old.pdf"
    old.write_bytes(b"old")
    assert mode(old) == 0o644
    write_private_bytes(old, b"new")
    assert mode(old) == 0o600 and old.read_bytes() == b"new"

    def replacing(target: Path) -> None:  # a writer that writes aside and renames over the target
        aside = target.with_suffix(".tmp")
        aside.write_bytes(b"replaced")
        aside.replace(target)

    write_private(tmp_path / "replaced.xlsx", replacing)
    assert mode(tmp_path / "replaced.xlsx") == 0o600

    def refused(_target: Path) -> None:
        raise PermissionError("无权限")

    with pytest.raises(PermissionError):
        write_private(tmp_path / "refused.pdf", refused)
    assert not (tmp_path / "refused.pdf").exists()


def test_reports_and_a_case_sheet_are_exported_private(qtbot: Any, store: Store, tmp_path: Path) -> None:
    case_id = dispute(store)
    window = open_console(qtbot, store, "经理")
    dashboard = window.open_page("dashboard")
    settle(window)
    dashboard.export_pdf(tmp_path / "日报.pdf")  # type: ignore[attr-defined]
    dashboard.export_xlsx(tmp_path / "日报.xlsx")  # type: ignore[attr-defined]
    settle(window)
    cases = window.open_page("cases")
    settle(window)
    cases.open_case(case_id)  # type: ignore[attr-defined]
    settle(window)
    cases.export_sheet(tmp_path / "判客裁决书.pdf")  # type: ignore[attr-defined]
    settle(window)
    for name in ("日报.pdf", "日报.xlsx", "判客裁决书.pdf"):
        assert (tmp_path / name).stat().st_size > 0 and mode(tmp_path / name) == 0o600, name


def test_the_report_template_is_saved_private(qtbot: Any, store: Store, tmp_path: Path) -> None:
    window = open_console(qtbot, store, "经理")
    page = window.open_page("reports")
    settle(window)
    page.importer.save_template(tmp_path / "模板.xlsx")  # type: ignore[attr-defined]
    settle(window)
    assert mode(tmp_path / "模板.xlsx") == 0o600


def test_an_appointments_code_and_slip_are_saved_private(qtbot: Any, store: Store, tmp_path: Path) -> None:
    card = AppointmentCodeCard(ConsoleContext(store))
    qtbot.addWidget(card)
    at = datetime(2026, 3, 1, 11, 0)
    row = AppointmentRow(code="A1", customer_id=1, surname="张女士", phone_masked="138****5678", consultant="李强",
                         starts_at=at, ends_at=at.replace(hour=12), status="booked", created_by="前台", visit_seq=None)
    card.show_code(row, "signed-text", code_picture("signed-text"))
    saved = card.save(tmp_path / "code.png")
    slip = card.print_slip(tmp_path / "slip.pdf")
    assert saved is not None and mode(saved) == 0o600
    assert slip is not None and slip.read_bytes().startswith(b"%PDF") and mode(slip) == 0o600


def test_a_report_printed_to_a_file_is_private(qtbot: Any, store: Store, tmp_path: Path) -> None:
    """The print dialog's "print to file": the PDF Qt writes is private too."""
    from PySide6.QtPrintSupport import QPrinter

    window = open_console(qtbot, store, "经理")
    dashboard = window.open_page("dashboard")
    settle(window)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    dashboard.print_report(printer)  # type: ignore[attr-defined]
    settle(window)
    assert (tmp_path / "printed.pdf").stat().st_size > 0 and mode(tmp_path / "printed.pdf") == 0o600
