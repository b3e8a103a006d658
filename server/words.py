"""A timeline entry's detail as one line (who, channel, stage, note). The kind itself is sent as its code
and worded by the page in the reader's language; these details are names and notes, in no language."""

from __future__ import annotations

from typing import Any

from service.queries.customer_page import TimelineEntry

_STAGES = {"pledge": "认筹 pledge", "subscribe": "认购 subscribe", "contract": "签约 contract", "cancel": "退订 cancel"}


def timeline_text(entry: TimelineEntry) -> str:
    d: dict[str, Any] = entry.detail
    parts: list[str] = []
    if d.get("consultant") and entry.kind != "visit":
        parts.append(str(d["consultant"]))
    if entry.kind in ("visit", "report") and d.get("channel") and d.get("channel") != "natural":
        parts.append("/".join(str(x) for x in (d.get("channel"), d.get("agent")) if x))
    if entry.kind == "visit" and d.get("assigned_to"):
        parts.append(f"→ {d['assigned_to']}")
    if entry.kind == "stage" and d.get("stage"):
        parts.append(f"→ {_STAGES.get(str(d['stage']), str(d['stage']))}")
    if entry.kind == "report" and d.get("report_status"):
        parts.append(str(d["report_status"]))
    if d.get("note"):
        parts.append(str(d["note"]))
    return " · ".join(parts)
