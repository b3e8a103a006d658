"""The figures as document sections (key figures, tables, charts): the part every daily, weekly and
monthly report shares."""

from __future__ import annotations

from collections.abc import Callable

from matplotlib.figure import Figure

from reports import charts, labels
from reports.data import Figures
from reports.document import Block, Chart, KeyFigures, Percent, Section, Table

DAY_FORMAT = "%m-%d"


def overview(f: Figures) -> KeyFigures:
    v, month = f.visits, f.month
    deals = next((c for c in f.funnel if c.key == "subscribe"), None)
    contracts = next((c for c in f.funnel if c.key == "contract"), None)
    reports = sum(c.reports for c in f.channels)
    valid = sum(c.valid_reports for c in f.channels)
    led = sum(c.visits for c in f.channels if c.channel != "natural")
    target = f"目标 {month.target} 组 · 完成 {labels.percent(month.share)}" if month.target else "未设目标"
    return KeyFigures("概览", (
        ("来访组数", v.groups, f"首访 {v.first} · 复访 {v.returning}"),
        ("来访人次", v.registrations, f"待前台确认 {v.unverified}"),
        (f"{month.month.month}月累计来访", month.visits, target),
        ("报备", reports, f"有效 {valid} · 带访 {led}"),
        ("认筹", next((c.count for c in f.funnel if c.key == "pledge"), 0), "位客户"),
        ("认购 / 签约", f"{deals.count if deals else 0} / {contracts.count if contracts else 0}", "位客户"),
        ("判客案件", f.cases.opened, f"裁决 {f.cases.decided}（维持 {f.cases.kept} · 改判 {f.cases.overridden}）"),
        ("预警", f.warnings.raised, f"准确率 {labels.percent(f.warnings.precision)}"),
    ))


def visit_tables(f: Figures) -> list[Table]:
    v = f.visits
    tables = []
    if len(v.by_day) > 1:
        tables.append(Table("每日来访", ("日期", "来访组数", "首访", "复访"),
                            tuple((d.day.strftime("%Y-%m-%d"), d.groups, d.first, d.returning) for d in v.by_day),
                            total=("合计", v.groups, v.first, v.returning)))
    hours = tuple((f"{h:02d}:00–{h:02d}:59", n) for h, n in enumerate(v.by_hour) if n)
    tables.append(Table("来访时段", ("时段", "来访组数"), hours, note="按每组当天首次到达的时间；未列出的时段无来访。"))
    tables.append(Table("来访来源", ("来源", "来访组数", "占比"),
                        tuple((labels.source(c.key), c.count, Percent(c.count / v.groups if v.groups else None))
                              for c in v.by_source),
                        note="来源为访客在签到机上的选择（同一组当天选了不同来源时计其一）。"))
    tables.append(Table("来访渠道构成", ("渠道", "来访组数", "占比"),
                        tuple((labels.channel(c.key), c.count, Percent(c.count / v.groups if v.groups else None))
                              for c in v.by_channel),
                        note="按客户的判定渠道（首次核验到访时确定）。"))
    return tables


def channel_tables(f: Figures) -> list[Table]:
    rows = tuple((labels.channel(c.channel), c.reports, c.valid_reports, Percent(c.valid_rate), c.visits,
                  Percent(c.visit_rate), c.pledges, c.deals, c.commissioned, Percent(c.deal_rate))
                 for c in f.channels)
    total = ("合计", *(sum(getattr(c, name) for c in f.channels)
                       for name in ("reports", "valid_reports")), None,
             sum(c.visits for c in f.channels), None, sum(c.pledges for c in f.channels),
             sum(c.deals for c in f.channels), sum(c.commissioned for c in f.channels), None)
    return [
        Table("渠道业绩", ("渠道", "报备", "有效报备", "有效率", "带访", "带访率", "认筹", "成交", "应结佣", "成交率"),
              rows, widths=(2.2, 1, 1.2, 1.2, 1, 1.2, 1, 1, 1.2, 1.2), total=total,
              note="带访：本期首次到访并判给该渠道的客户（自然来访行为本期首访的自然客户）；带访率：本期有效报备中已带访的比例；"
                   "成交：本期认购或签约的该渠道客户；应结佣：其中在渠道保护期内成交的；成交率 = 成交 ÷ 带访。"),
        Table("无效报备原因", ("原因", "报备数"), tuple((labels.label(c.key), c.count) for c in f.invalid_reasons)),
    ]


def consultant_table(f: Figures) -> Table:
    return Table("顾问排行", ("置业顾问", "接待组数", "首访", "认筹", "成交", "成交转化", "保护中客户", "公海认领",
                          "认领成功"),
                 tuple((c.consultant, c.visits, c.first_visits, c.pledges, c.deals, Percent(c.conversion), c.protected,
                        c.claims, c.claimed) for c in f.consultants),
                 widths=(1.6, 1, 1, 1, 1, 1.2, 1.3, 1.2, 1.2),
                 note="成交转化 = 成交 ÷ 首访；保护中客户为出表时的数；公海认领为本期提出的认领，认领成功为其中客户归入该顾问的"
                      "（其余被拒绝，原因见下表）。")


def claim_refusals(f: Figures) -> list[Table]:
    """The period's refused pool claims by the engine's reason (none: no table)."""
    reasons: dict[str | None, int] = {}
    for c in f.consultants:
        for refusal in c.refused:
            reasons[refusal.key] = reasons.get(refusal.key, 0) + refusal.count
    if not reasons:
        return []
    rows = tuple((labels.label(reason), n) for reason, n in sorted(reasons.items(), key=lambda r: (-r[1], r[0] or "")))
    return [Table("公海认领被拒原因", ("原因", "次数"), rows)]


FUNNEL_NOTE = ("数量：报备为本期报备数（含无效），来访为来访组数（含自然来访），认筹、认购、签约为本期到达该环节的客户数。"
               "转化率为同一批客户中的比例，不超过100%：来访一行为报备到访率，即本期有效报备的客户中已凭报备到访（带访）的；"
               "认筹、认购、签约各行为本期到访（认筹、认购）的客户中本期到达该环节的。")


def funnel_table(f: Figures) -> Table:
    return Table("转化漏斗", ("环节", "数量", "上一环节客户", "其中转化", "转化率"),
                 tuple((labels.FUNNEL[s.key], s.count, s.base, s.converted, Percent(s.rate) if s.base is not None else None)
                       for s in f.funnel),
                 widths=(1.2, 1, 1.2, 1, 1), note=FUNNEL_NOTE)


def oversight_tables(f: Figures) -> list[Table]:
    c, w = f.cases, f.warnings
    cases = Table("判客案件", ("项目", "数量"),
                  (*((f"立案：{labels.label(k.key)}", k.count) for k in c.opened_by_kind),
                   ("立案合计", c.opened), ("本期裁决", c.decided), ("维持建议裁决", c.kept), ("推翻建议裁决", c.overridden)))
    warnings = Table("预警", ("类型", "触发", "处理中", "已解决", "已拉黑", "已排除"),
                     tuple((labels.label(k.kind), k.raised, k.active, k.resolved, k.blacklisted, k.dismissed)
                           for k in w.by_kind),
                     total=("合计", w.raised, sum(k.active for k in w.by_kind), sum(k.resolved for k in w.by_kind),
                            sum(k.blacklisted for k in w.by_kind), sum(k.dismissed for k in w.by_kind)),
                     note=f"本期触发的预警及其处理结果；准确率（已解决与已拉黑 ÷ 已处理）{labels.percent(w.precision)}。")
    return [cases, warnings]


def figure_sections(f: Figures, with_charts: bool) -> list[Section]:
    def chart(title: str, make: Callable[[], Figure], aspect: float = 0.42) -> list[Chart]:
        return [Chart(title, make, aspect)] if with_charts else []

    v = f.visits
    visit_blocks: list[Block] = [*(chart("每日来访", lambda: charts.visits_by_day(v)) if len(v.by_day) > 1 else []),
                    *chart("来访时段", lambda: charts.visits_by_hour(v), 0.36),
                    *chart("渠道构成", lambda: charts.channel_share(v.by_channel), 0.36),
                    *visit_tables(f)]
    people = f.consultants
    return [
        Section("概览", (overview(f),)),
        Section("来访", tuple(visit_blocks)),
        Section("渠道", (*chart("漏斗", lambda: charts.funnel(f.funnel), 0.38), *channel_tables(f),
                         funnel_table(f))),
        Section("置业顾问", (*chart("顾问排行", lambda: charts.leaderboard(people),
                                    min(0.75, 0.06 * len(people[:12]) + 0.15)), consultant_table(f),
                         *claim_refusals(f))),
        Section("判客与预警", (*chart("预警", lambda: charts.warning_outcomes(f.warnings),
                                     min(0.7, 0.064 * len(f.warnings.by_kind) + 0.15)), *oversight_tables(f))),
    ]
