"""The printed reports as documents: 日报 (the day's figures and lists, the signed checkpoint at its foot),
周报 / 月报 (figures with charts), 渠道佣金凭证 (a channel's deals with their evidence, a checkpoint)
and 判客裁决书 (one case: both sides' evidence, the verdict, the reason, who decided)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from db.journal import Checkpoint
from reports import labels
from reports.checkpoint import signed_checkpoint
from reports.commission import DealEvidence, commission_statement
from reports.details import CaseLine, day_details
from reports.document import Cell, Document, Section, Table, Text
from reports.figures import figures
from reports.period import DAY, MONTH, WEEK, Period
from reports.sections import figure_sections
from service.desk import Desk
from service.queries import cases as case_queries
from service.store import Store

TITLES = {DAY: "日报", WEEK: "周报", MONTH: "月报"}
SIGNATURES = "{first}签字：＿＿＿＿＿＿＿＿　　{second}签字：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿＿＿"


def local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored time as the site's wall-clock time (tables print and Excel stores it without a zone)."""
    return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)


def _scope(consultant: str | None) -> str:
    return f"置业顾问 {consultant} 本人数据" if consultant else ""


def _now(store: Store, zone: ZoneInfo) -> datetime:
    return store.now().astimezone(zone).replace(tzinfo=None)


def daily_document(store: Store, period: Period, consultant: str | None = None,
                   kept: Sequence[Checkpoint] = ()) -> Document:
    zone = period.zone
    f = figures(store, period, consultant)
    d = day_details(store, period, consultant)
    visits = Table("来访明细", ("时间", "手机", "称呼", "接待顾问", "首/复访", "来源", "登记渠道"),
                   tuple((local(v.arrived_at, zone), v.phone_masked, v.surname or "",
                          v.consultant or "—", ("首访" if v.first_visit else "复访") + ("" if v.verified else "（待确认）"),
                          labels.source(v.source), "" if v.channel is None else f"{v.channel}/{v.agent or ''}")
                         for v in d.visits),
                   widths=(1, 1.5, 1.1, 1.1, 1.4, 1.6, 1.6), time_format="%H:%M",
                   note="手机号已掩码，姓名只显示姓氏。登记渠道为该次签到所报的渠道（判定渠道见渠道统计）。")
    waiting = Table("未确认登记", ("时间", "手机", "称呼", "接待顾问", "登记渠道", "现状"),
                    tuple((local(c.arrived_at, zone), c.phone, c.surname or "", c.consultant or "—",
                           "自然来访" if c.channel is None else f"{c.channel}/{c.agent or ''}",
                           "事后已确认" if c.confirmed_since else "仍待确认") for c in d.open_checkins),
                    widths=(1, 1.5, 1.1, 1.1, 1.6, 1.2), time_format="%H:%M",
                    note="当日签到、到当日结束仍未经前台确认的登记（当日未结束时：到出表时）；每个到访在当日结束时触发"
                         "“待确认登记未处理”预警。" if d.open_checkins else "当日签到的登记均已在当日经前台确认或作废。")
    stays = Table("接待时长", ("置业顾问", "完成接待", "平均停留（分钟）", "接待中"),
                  tuple((s.consultant, s.stays, None if s.average_seconds is None else round(s.average_seconds / 60, 1),
                         s.open) for s in d.stays))
    assignments = Table("经理分配", ("时间", "手机", "称呼", "分配给", "操作人", "日志号"),
                        tuple((local(a.at, zone), a.phone, a.surname or "", a.consultant, a.by, a.seq)
                              for a in d.assignments), time_format="%H:%M")
    case_headers = ("案件号", "时间", "类型", "客户手机", "申请人", "建议裁决", "裁决", "裁决人")

    def case_rows(lines: Sequence[CaseLine]) -> tuple[tuple[Cell, ...], ...]:
        return tuple((c.id, local(c.at, zone), labels.label(c.kind), c.phone, c.claimant or "—", c.recommended,
                      c.verdict or "待裁决", c.decided_by or "") for c in lines)

    opened = Table("当日立案", case_headers, case_rows(d.cases_opened), time_format="%H:%M")
    decided = Table("当日裁决", case_headers, case_rows(d.cases_decided), time_format="%H:%M")
    hidden = d.open_warnings_total - len(d.open_warnings)
    warnings = Table("未处理预警", ("预警号", "触发时间", "类型", "客户手机", "归属顾问", "状态"),
                     tuple((w.id, local(w.raised_at, zone), labels.label(w.kind), w.phone or "—", w.owner or "—",
                            labels.warning_status(w.status)) for w in d.open_warnings),
                     note=f"当日结束前触发、出表时仍在处理中的预警；另有 {hidden} 条较新的未列出。" if hidden else
                     "当日结束前触发、出表时仍在处理中的预警。")
    sections = [*figure_sections(f, with_charts=False),
                Section("来访明细", (visits, waiting)), Section("接待与分配", (stays, assignments)),
                Section("判客案件", (opened, decided)), Section("预警", (warnings,))]
    return Document("daily", "日报", period.label, _now(store, zone), tuple(sections),
                    checkpoint=signed_checkpoint(store, period.end, kept), scope=_scope(consultant), zone=zone)


def periodic_document(store: Store, period: Period, consultant: str | None = None) -> Document:
    f = figures(store, period, consultant)
    return Document(period.kind if period.kind != DAY else "daily", TITLES.get(period.kind, "统计报表"), period.label,
                    _now(store, period.zone), tuple(figure_sections(f, with_charts=True)), scope=_scope(consultant),
                    zone=period.zone)


def _deal_rows(deals: Sequence[DealEvidence], zone: ZoneInfo) -> tuple[tuple[Cell, ...], ...]:
    return tuple((d.customer_id, d.phone, d.surname or "", d.agent or "", d.report_seq, local(d.reported_at, zone),
                  d.visit_seq, local(d.visit_at, zone), d.deal_seq, labels.stage(d.deal_stage), local(d.deal_at, zone),
                  local(d.protection_end, zone), f"v{d.rule_version}（{d.protection_days}天）", d.owner or "")
                 for d in deals)


DEAL_HEADERS = ("客户", "手机", "称呼", "经纪人", "报备号", "报备时间", "带访号", "带访时间", "成交号", "成交",
                "成交时间", "保护期至", "规则版本", "置业顾问")
DEAL_WIDTHS = (0.65, 1.4, 0.85, 0.85, 0.75, 1.85, 0.75, 1.85, 0.75, 0.6, 1.85, 1.85, 1.1, 0.95)


def commission_document(store: Store, channel: str, period: Period, kept: Sequence[Checkpoint] = ()) -> Document:
    zone = period.zone
    s = commission_statement(store, channel, period)
    owed = Table("应结佣成交", DEAL_HEADERS, _deal_rows(s.deals, zone), widths=DEAL_WIDTHS, time_format="%Y-%m-%d %H:%M",
                 note="报备号、带访号、成交号为日志序号（可用 anchang verify 对照日志核验）；保护期自带访时起算，"
                      "按带访时有效的规则版本。")
    outside = Table("保护期外成交（不计佣）", DEAL_HEADERS, _deal_rows(s.not_owed, zone), widths=DEAL_WIDTHS,
                    time_format="%Y-%m-%d %H:%M", note="该渠道带来的客户在渠道保护期结束后才成交，按规则不计渠道佣金。")
    versions = Table("规则版本", ("版本", "生效时间", "渠道模式", "渠道保护期（天）", "到访时限（小时）", "防截客（分钟）"),
                     tuple((f"v{v.number}", local(v.effective_at, zone) or "默认",
                            labels.CHANNEL_MODES.get(v.values["channel.mode"], v.values["channel.mode"]),
                            v.values["channel.protection_days"], v.values["channel.visit_deadline_hours"],
                            v.values["channel.pre_intercept_minutes"]) for v in s.versions))
    summary = Text(f"渠道 {channel} 在 {period.label} 共有 {len(s.deals)} 笔成交应结渠道佣金，"
                   f"另有 {len(s.not_owed)} 笔成交在保护期外。")
    return Document("channel", "渠道佣金凭证", f"{channel} · {period.label}", _now(store, zone),
                    (Section("结佣依据", (summary, owed, outside)), Section("判定规则", (versions,)),
                     Section("确认", (Text(SIGNATURES.format(first="案场经理", second=f"渠道（{channel}）负责人")),))),
                    checkpoint=signed_checkpoint(store, period.end, kept), zone=zone)


def _evidence_rows(items: Sequence[case_queries.Evidence], zone: ZoneInfo) -> tuple[tuple[Cell, ...], ...]:
    def what(e: case_queries.Evidence) -> str:
        parts = [labels.JOURNAL_KINDS.get(e.kind, e.kind)]
        if e.kind == "visit":
            parts.append("已核验" if e.verified else "待确认")
            if e.named:
                parts.append(f"指定 {e.named}")
        if e.channel and e.channel != "natural":
            parts.append(f"{e.channel}/{e.agent or ''}")
        if e.stage:
            parts.append(labels.stage(e.stage))
        if e.refers_to:
            parts.append(f"确认 #{e.refers_to}")
        return " · ".join(parts)

    return tuple((e.seq, local(e.at, zone), what(e), e.consultant or "", e.actor, e.station, e.note)
                 for e in items)


def verdict_document(desk: Desk, case_id: int) -> Document:
    store = desk.store
    zone = store.rules_at().timezone
    detail = case_queries.case_detail(desk, case_id)
    c = detail.case
    facts = Table("案件", ("项目", "内容"), (
        ("案件号", c.id), ("类型", labels.label(c.kind)), ("立案时间", local(c.opened_at, zone)),
        ("客户", f"{c.phone}  {c.surname or ''}".strip()), ("申请人", c.claimant or "（轮序接待）"),
        ("建议裁决", c.recommended), ("依据规则", f"{c.rule}" + ("" if detail.rule_value is None
                                                           else f" = {detail.rule_value}")),
        ("当前归属", {"pool": "公海", "none": "无"}.get(detail.owner_now, detail.owner_now))), widths=(1, 4))
    headers = ("日志号", "时间", "事实", "顾问", "操作人", "站点", "备注")
    widths = (0.8, 1.5, 2.4, 0.9, 0.9, 1.0, 2.2)
    sides = [Table(f"申请方证据（{c.claimant or '—'}）", headers, _evidence_rows(detail.claimant_side, zone), widths),
             Table(f"建议方证据（{c.recommended}）", headers, _evidence_rows(detail.recommended_side, zone), widths),
             Table("共同事实", headers, _evidence_rows(detail.shared, zone), widths)]
    decision = detail.decision
    verdict = Table("裁决", ("项目", "内容"), (
        ("裁决", decision.verdict if decision else "待裁决"),
        ("结论", "" if decision is None else ("维持建议裁决" if decision.verdict == c.recommended else "推翻建议裁决")),
        ("理由", decision.reason if decision and decision.reason else "—"),
        ("裁决人", decision.by if decision else ""), ("裁决时间", local(decision.at, zone) if decision else None),
        ("日志号", decision.seq if decision else None)), widths=(1, 4))
    return Document("case", "判客裁决书", f"案件 #{c.id} · {labels.label(c.kind)}", _now(store, zone),
                    (Section("案情", (facts,)), Section("双方证据", tuple(sides)), Section("裁决", (verdict,)),
                     Section("签收", (Text(SIGNATURES.format(first="裁决人", second="双方顾问")),))), zone=zone)
