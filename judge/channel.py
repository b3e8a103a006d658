"""Channel reports (报备): matching reports to customers, expiry, rivals, and judging a new report."""

from __future__ import annotations

from datetime import datetime, timedelta

from judge import facts as f
from judge.rules import RuleSet
from judge.site_core import Outcome, Reason, SiteCore
from judge.state import CustomerState, ReportState


class ChannelRules(SiteCore):
    def _is_report_blacklisted(self, r: ReportState) -> bool:
        if r.agent in self.blacklisted_agents or r.channel in self.blacklisted_channels:
            return True
        return r.customer is not None and self.customer(r.customer).blacklisted

    def _report_expired(self, r: ReportState, at: datetime) -> bool:
        return r.status == "pending" and at >= r.expires_at

    def _expire(self, r: ReportState, at: datetime, out: Outcome) -> None:
        if self._report_expired(r, at):
            r.status = "expired"
            out.touched_reports.add(r.id)

    @staticmethod
    def _surnames_agree(a: str | None, b: str | None) -> bool:
        return a is None or b is None or a == b

    def _report_matches_customer(self, r: ReportState, c: CustomerState) -> bool:
        if r.customer is not None:
            return self.resolve(r.customer) == c.id
        return c.mask == r.mask and self._surnames_agree(r.surname, c.surname)

    def _reports_overlap(self, a: ReportState, b: ReportState) -> bool:
        if a.customer is not None and b.customer is not None:
            return self.resolve(a.customer) == self.resolve(b.customer)
        return a.mask == b.mask and self._surnames_agree(a.surname, b.surname)

    def _candidate_reports(self, c: CustomerState) -> list[ReportState]:
        ids = list(self.reports_by_customer.get(c.id, []))
        for alias in self.aliases.get(c.id, []):
            ids.extend(self.reports_by_customer.get(alias, []))
        if c.mask is not None:
            ids.extend(i for i in self.reports_by_mask.get(c.mask, []) if self.reports[i].masked)
        found = {i: self.reports[i] for i in ids}
        return sorted((r for r in found.values() if self._report_matches_customer(r, c)),
                      key=lambda r: r.id)

    def _invalidate(self, r: ReportState, reason: str, seq: int, out: Outcome) -> None:
        r.status, r.reason, r.decided_seq = "invalid", reason, seq
        out.touched_reports.add(r.id)
        out.reasons.append(Reason(reason, _REPORT_RULES[reason], (r.id, seq)))

    def _apply_report(self, r: f.Report, out: Outcome) -> None:
        rules = self.ruleset(r.at)
        report = ReportState(id=r.seq, at=r.at, channel=r.channel, agent=r.agent,
                             customer=self.resolve(r.customer) if r.customer is not None else None,
                             mask=r.mask, masked=r.masked, surname=r.surname,
                             expires_at=r.at + timedelta(hours=rules.visit_deadline_hours))
        self.reports[report.id] = report
        if report.customer is not None:
            self.reports_by_customer.setdefault(report.customer, []).append(report.id)
            reported = self.customer(report.customer)
            if reported.mask is None:
                reported.mask, reported.surname = r.mask, r.surname
        self.reports_by_mask.setdefault(report.mask, []).append(report.id)
        out.touched_reports.add(report.id)

        if self._is_report_blacklisted(report):
            self._invalidate(report, "blacklisted", r.seq, out)
        elif (seen := self._report_customer_seen(report)) is not None:
            self._invalidate(report, "already_visited", r.seq, out)
            out.customer = seen.id
        else:
            rival = self._pending_rival(report, rules, r.at, out)
            if rival is not None:
                self._invalidate(report, "duplicate_report", r.seq, out)
                out.reasons[-1] = Reason("duplicate_report", "channel.mode", (rival.id, r.seq))
        if report.customer is not None:
            out.customer = report.customer
            out.touched_customers.add(report.customer)
        out.report_status, out.report_reason = report.status, report.reason

    def _report_customer_seen(self, report: ReportState) -> CustomerState | None:
        if report.customer is not None:
            c = self.customer(report.customer)
            return c if c.first_seen_at is not None else None
        for cid in self.seen_by_mask.get(report.mask, []):
            c = self.customer(cid)
            if self._surnames_agree(report.surname, c.surname):
                return c
        return None

    def _pending_rival(self, report: ReportState, rules: RuleSet, at: datetime,
                       out: Outcome) -> ReportState | None:
        ids = set(self.reports_by_mask.get(report.mask, []))
        if report.customer is not None:
            ids.update(self.reports_by_customer.get(report.customer, []))
        for rid in sorted(ids):
            other = self.reports[rid]
            if other is report:
                continue
            self._expire(other, at, out)
            if other.status != "pending" or not self._reports_overlap(report, other):
                continue
            if rules.channel_mode == "report_protect" or other.channel == report.channel:
                return other
        return None

    def report_status(self, r: ReportState, at: datetime) -> str:
        return "expired" if self._report_expired(r, at) else r.status

    def latest_report(self, customer_id: int, channel: str, agent: str) -> ReportState | None:
        c = self.customer(customer_id)
        matches = [r for r in self._candidate_reports(c) if r.channel == channel and r.agent == agent]
        return matches[-1] if matches else None


_REPORT_RULES = {
    "already_visited": "channel.first_visit",
    "duplicate_report": "channel.mode",
    "pre_intercept": "channel.pre_intercept_minutes",
    "face_seen_before_report": "channel.face_seen_before_report",
    "blacklisted": "blacklist",
}
