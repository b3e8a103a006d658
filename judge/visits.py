"""Visits and their confirmation: who receives a visitor, ownership at a visit, the channel fixed at
the first visit (带访优先), identity conflicts by face or ID card, repeat-visit warnings.

An arrival waiting for 前台确认 is one arrival however often the visitor checks in: a later unverified
check-in of the same phone joins it (FORMAT.md). It is received by whoever received the first check-in (no
turn of the rotation), counts as no further visit, and the channel it names is kept for the confirmation,
which judges it as if named at the first check-in (the reports as they stood then, time first). Reception
confirms the arrival through any of its check-ins, all of them at once. A dismissal (误登记) of a later
check-in drops that one alone; of the first check-in, the whole arrival (the number was not this visitor's).
A check-in still waiting when its local day ends raises `unconfirmed_checkin`.

A check-in is judged at `at`, when it reached the store; one delayed in a kiosk's outbox also carries when
the visitor stood at the kiosk (`arrived_at`), against which a report it validates is measured once more
for 防截客 (a `pre_intercept` warning, the judgment unchanged)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from judge import facts as f
from judge.channel import ChannelRules
from judge.reasons import EngineError
from judge.rules import RuleSet
from judge.site_core import Outcome, Reason, _days, _opt
from judge.state import CustomerState, FaceState, PendingDeadline, ReportState


class VisitRules(ChannelRules):
    def _known_person(self, v: f.Visit) -> tuple[int | None, str, list[int]]:
        """The customer this visitor already is by face or by ID card (face first), the rule, and the
        journal entry that first tied that face or card to them."""
        face = self.faces.get(v.face) if v.face else None
        if face is not None and face.customer is not None:
            return self.resolve(face.customer), "identity.face", [face.first_seen_seq]
        if v.id_card_holder is not None:
            holder = self._peek(v.id_card_holder)
            return self.resolve(v.id_card_holder), "identity.id_card", _opt(holder.last_visit_seq)
        return None, "", []

    def _waiting_arrival(self, v: f.Visit) -> CustomerState | None:
        """The phone's customer when this unverified check-in joins their arrival waiting for reception (a
        face or ID card of someone else makes it that person's visit, judged as usual)."""
        if v.verified:
            return None
        c = self._peek(v.customer)
        known, _, _ = self._known_person(v)
        return c if c.unconfirmed_seq is not None and known in (None, c.id) else None

    def _validate_visit(self, v: f.Visit) -> None:
        if v.arrived_at is not None and v.arrived_at.tzinfo is None:
            raise EngineError("到访时间须带时区 / arrived_at must be an aware datetime")
        if v.arrived_at is not None and v.arrived_at > v.at:
            raise EngineError(f"到访时间晚于登记送达时间 / the check-in's arrival ({v.arrived_at.isoformat()}) is "
                              f"after it reached the store ({v.at.isoformat()})")
        if self._waiting_arrival(v) is not None:
            return  # received by whoever received the arrival: no rotation needed
        known, _, _ = self._known_person(v)
        target = self._peek(known if known is not None else v.customer)
        if self._owner_at(target, v.at) is None and v.consultant is None:
            self._next_in_rotation()

    def _apply_visit(self, v: f.Visit, out: Outcome) -> None:
        if (arrival := self._waiting_arrival(v)) is not None:
            self._join_arrival(v, self.customer(arrival.id), out)
            return
        rules = self.ruleset(v.at)
        phone_customer = self.customer(v.customer)
        face = self.faces.get(v.face) if v.face else None
        known, identity_rule, identity_evidence = self._known_person(v)
        identity_conflict = known is not None and known != phone_customer.id
        target = self.customer(known) if identity_conflict and known is not None else phone_customer
        self._settle_customer(target, v.at)
        if target.owner is None:
            receiving = v.consultant or self._next_in_rotation()
        else:
            receiving = target.owner

        if phone_customer.mask is None:
            phone_customer.mask, phone_customer.surname = v.mask, v.surname
        self._judge_reports_at_visit(v, phone_customer, target, face, rules, out)

        if identity_conflict:
            if phone_customer.first_seen_at is None and phone_customer.owner is None:
                phone_customer.merged_into = target.id  # a new number for a known person: one customer
                self.aliases.setdefault(target.id, []).append(phone_customer.id)
            self._warn(out, target.id, "identity_split", v.at, [v.seq] + identity_evidence, identity_rule)
            self._open_case(out, target, "identity_conflict", v.consultant, receiving, identity_rule,
                            [v.seq] + identity_evidence, v.at)
        elif target.owner is not None and v.consultant is not None and v.consultant != target.owner:
            self._competing(out, target, "ownership_conflict", v.consultant, "protection.consultant_days", v)

        # ownership and rotation
        if target.owner is None:
            self._use_turn(receiving)
            if v.verified:
                self._take_ownership(target, receiving, v.at, v.seq, rules.consultant_days, rules)
                out.reasons.append(Reason("first_visit" if target.first_visit_at is None else "pool_visit",
                                          "protection.consultant_days", (v.seq,)))
        else:
            if not rules.returning_keeps_turn:
                self._use_turn(receiving)
            if v.verified:
                target.anchor_end = v.at + _days(rules.consultant_days)
            target.contact_end = v.at + _days(rules.follow_up_days)
            out.reasons.append(Reason("protected_return", "rotation.returning_keeps_turn", (v.seq,)))
        if v.verified and target.first_visit_at is None:
            target.first_visit_at = v.at
        if not v.verified:
            target.unconfirmed_seq, target.unconfirmed_at, target.unconfirmed_by = v.seq, v.at, receiving
            target.unconfirmed_later = []
            self._await_reception(target, v)
        if target.first_seen_at is None:
            target.first_seen_at = v.at
            if target.mask is not None:
                self.seen_by_mask.setdefault(target.mask, []).append(target.id)
        target.visits.append(v.at)
        target.last_visit_seq = v.seq
        self._note_face(target, v)
        self._check_repeat_visits(target, v, rules, out)
        out.customer = target.id
        out.assigned_to = receiving
        out.touched_customers.update({target.id, phone_customer.id})

    def _note_face(self, c: CustomerState, v: f.Visit) -> None:
        """The consented face of this visit: enrolled as this customer's, or tied to them when unknown."""
        if not v.face:
            return
        face = self.faces.get(v.face)
        if face is None:
            self.faces[v.face] = FaceState(customer=c.id, first_seen_at=v.at, first_seen_seq=v.seq)
        elif face.customer is None:
            face.customer = c.id
        if v.face not in c.faces:
            c.faces.append(v.face)

    def _await_reception(self, c: CustomerState, v: f.Visit) -> None:
        """A check-in waits for reception until the end of its local day; then `unconfirmed_checkin`."""
        zone = self.ruleset(v.at).timezone
        day_end = datetime.combine(v.at.astimezone(zone).date() + timedelta(days=1), time(0), zone).astimezone(UTC)
        self._add_deadline(PendingDeadline(seq=v.seq, at=v.at, deadline=day_end, kind="unconfirmed_checkin",
                                           customer=c.id))

    def _join_arrival(self, v: f.Visit, c: CustomerState, out: Outcome) -> None:
        """A second unverified check-in while the first still waits for reception: the same arrival, received
        by whoever received the first (no turn of the rotation; by the owner, as any registration, should
        someone else have come to own the customer meanwhile), no further visit. The channel and the
        consultant it names are kept for the confirmation (a blacklisted channel or agent names none, as
        at a first visit)."""
        assert c.unconfirmed_seq is not None
        named = v.channel
        if named in self.blacklisted_channels or (v.agent and v.agent in self.blacklisted_agents):
            named = f.NATURAL
        c.unconfirmed_later.append((v.seq, named, v.consultant or ""))
        if c.mask is None:
            c.mask, c.surname = v.mask, v.surname
        self._note_face(c, v)
        out.reasons.append(Reason("same_arrival", "reception.confirm", (c.unconfirmed_seq, v.seq)))
        out.customer, out.assigned_to = c.id, self._owner_at(c, v.at) or c.unconfirmed_by
        out.joined = c.unconfirmed_seq
        out.touched_customers.add(c.id)

    @staticmethod
    def _clear_arrival(c: CustomerState) -> None:
        c.unconfirmed_seq = c.unconfirmed_at = c.unconfirmed_by = None
        c.unconfirmed_later = []

    def _apply_confirm(self, e: f.Confirm, out: Outcome) -> None:
        """Reception confirms an arrival (through any of its check-ins, all of them at once): from now on it
        is a verified visit received by whoever received the first check-in; ownership, protection and
        contact count from the confirmation, while the first check-in's time stays when the customer was
        first seen. Someone else owning the customer by now makes it a competing registration. A channel a
        later check-in named is judged as if named at the first (`_keep_named_channels`)."""
        rules = self.ruleset(e.at)
        c = self.customer(e.customer)
        self._settle_customer(c, e.at)
        receiving, checked_in_at, later = c.unconfirmed_by, c.unconfirmed_at, c.unconfirmed_later
        assert receiving is not None and checked_in_at is not None  # validate() checked there is one
        arrival = c.awaiting()
        evidence = [*arrival, e.seq]
        self._clear_arrival(c)
        if c.owner is None:
            self._take_ownership(c, receiving, e.at, e.seq, rules.consultant_days, rules)
            out.reasons.append(Reason("first_visit" if c.first_visit_at is None else "pool_visit",
                                      "protection.consultant_days", tuple(evidence)))
        elif c.owner == receiving:
            c.anchor_end = e.at + _days(rules.consultant_days)
            c.contact_end = e.at + _days(rules.follow_up_days)
            out.reasons.append(Reason("protected_return", "protection.consultant_days", tuple(evidence)))
        else:
            self._open_case(out, c, "ownership_conflict", receiving, c.owner, "protection.consultant_days",
                            evidence + _opt(c.owner_since_seq), e.at)
        if c.first_visit_at is None:
            c.first_visit_at = checked_in_at
        for _, _, named in later:  # a later check-in naming someone else than the owner: a competing
            if named and named != c.owner:  # registration, decided for the owner (time first)
                assert c.owner is not None
                self._open_case(out, c, "ownership_conflict", named, c.owner, "protection.consultant_days",
                                [*arrival, e.seq], e.at)
        if later and c.first_seen_at == checked_in_at:  # the arrival was the customer's first time here
            self._keep_named_channels(c, arrival[0], checked_in_at, later, e, out)
        out.customer, out.assigned_to, out.checkins = c.id, c.owner, arrival
        out.touched_customers.add(c.id)

    def _keep_named_channels(self, c: CustomerState, first: int, checked_in_at: datetime,
                             later: list[tuple[int, str, str]], e: f.Confirm, out: Outcome) -> None:
        """The channels later check-ins of a first arrival named, judged as if named at its first check-in
        (time first): one the first check-in left natural brings the customer when its report was valid then
        (only under `competitive`: under `report_protect` the first valid report won at the check-in
        whatever was named); one that differs from the channel the first check-in gave opens a
        `channel_conflict` recommended for that channel."""
        for seq, named, _ in later:
            if named in (f.NATURAL, c.channel):
                continue
            if c.channel == f.NATURAL:
                self._bring_by_later_channel(c, named, first, checked_in_at, seq, e, out)
            if c.channel not in (None, f.NATURAL, named):
                reports = [r.id for r in self._candidate_reports(c) if r.channel in (c.channel, named)]
                self._open_case(out, c, "channel_conflict", named, c.channel, "channel.mode",
                                [*reports, first, seq, e.seq], e.at)

    def _bring_by_later_channel(self, c: CustomerState, named: str, first: int, checked_in_at: datetime,
                                seq: int, e: f.Confirm, out: Outcome) -> None:
        """Under `competitive`, the reports valid at the first check-in that no named channel took (invalid
        as already_visited by it) are judged again with this channel named."""
        rules = self.ruleset(checked_in_at)
        if rules.channel_mode != "competitive":
            return
        valid = [r for r in self._candidate_reports(c)
                 if r.decided_seq == first and r.status == "invalid" and r.reason == "already_visited"]
        winner = next((r for r in valid if r.channel == named), None)
        if winner is None:
            return
        for rival in sorted({r.channel for r in valid if r.channel != winner.channel}):
            self._open_case(out, c, "channel_conflict", rival, winner.channel, "channel.mode",
                            [r.id for r in valid] + [first, seq, e.seq], e.at)
        winner.status, winner.reason = "used", None
        out.touched_reports.add(winner.id)
        out.reasons.append(Reason("channel_led", "channel.visit_deadline_hours", (winner.id, first, seq, e.seq)))
        c.channel, c.agent, c.channel_visit_seq = winner.channel, winner.agent, first
        c.channel_protection_end = checked_in_at + _days(rules.channel_protection_days)

    def _apply_dismiss(self, e: f.Dismiss, out: Outcome) -> None:
        """A check-in marked a mistake (e.g. a mistyped number) never confirms. A later check-in of an
        arrival goes alone; the first takes the whole arrival with it (the number was not this visitor's).
        When the arrival was all the site knew of the customer and nothing was judged on it (no report
        settled, no case opened), the customer counts as never seen, so the real owner of that number keeps
        a fair first visit."""
        c = self.customer(e.customer)
        out.customer = c.id
        out.touched_customers.add(c.id)
        out.reasons.append(Reason("dismissed", "reception.confirm", (e.visit, e.seq)))
        if e.visit != c.unconfirmed_seq:
            c.unconfirmed_later = [item for item in c.unconfirmed_later if item[0] != e.visit]
            out.checkins = [e.visit]
            return
        out.checkins = c.awaiting()
        self._clear_arrival(c)
        judged_on = any(r.decided_seq == e.visit for r in self._candidate_reports(c)) or any(
            e.visit in self.cases[i].evidence for i in self.cases_by_customer.get(c.id, []))
        if c.last_visit_seq == e.visit and len(c.visits) == 1 and c.first_visit_at is None \
                and c.owner is None and not judged_on:
            c.visits.clear()
            c.first_seen_at = c.last_visit_seq = None
            c.channel = c.agent = None
            if c.mask is not None and c.id in self.seen_by_mask.get(c.mask, []):
                self.seen_by_mask[c.mask].remove(c.id)

    def _judge_reports_at_visit(self, v: f.Visit, phone_customer: CustomerState, target: CustomerState,
                                face: FaceState | None, rules: RuleSet, out: Outcome) -> None:
        """Settles the reports on this visitor at their first visit and fixes the channel (带访优先)."""
        if phone_customer.first_seen_at is not None:
            return  # reports on a customer already seen were judged when they were made
        brand_new = target.first_seen_at is None
        valid: list[ReportState] = []
        for r in self._candidate_reports(phone_customer):
            self._expire(r, v.at, out)
            if r.status != "pending":
                continue
            report_rules = self.ruleset(r.at)
            if face is not None and face.first_seen_at < r.at:
                self._invalidate(r, "face_seen_before_report", v.seq, out)
                self._warn(out, target.id, "face_seen_before_report", v.at, [r.id, face.first_seen_seq, v.seq],
                           "channel.face_seen_before_report")
            elif not brand_new:
                self._invalidate(r, "already_visited", v.seq, out)
            elif self._is_report_blacklisted(r):
                self._invalidate(r, "blacklisted", v.seq, out)
            elif v.at - r.at < timedelta(minutes=report_rules.pre_intercept_minutes):
                self._invalidate(r, "pre_intercept", v.seq, out)
                self._warn(out, target.id, "pre_intercept", v.at, [r.id, v.seq], "channel.pre_intercept_minutes")
            else:
                valid.append(r)
                self._warn_if_late_for_arrival(r, v, target, report_rules, out)
        if not brand_new:
            return
        declared = v.channel if v.channel != f.NATURAL else None
        if declared in self.blacklisted_channels or (v.agent and v.agent in self.blacklisted_agents):
            declared = None
        winner: ReportState | None = None
        if rules.channel_mode == "report_protect":
            winner = valid[0] if valid else None
            if winner is not None and declared is not None and declared != winner.channel:
                self._open_case(out, target, "channel_conflict", declared, winner.channel, "channel.mode",
                                [winner.id, v.seq], v.at)
        else:
            winner = next((r for r in valid if r.channel == declared), None)
            rivals = sorted({r.channel for r in valid if winner is None or r.channel != winner.channel})
            if winner is not None and rivals:
                for rival in rivals:
                    self._open_case(out, target, "channel_conflict", rival, winner.channel, "channel.mode",
                                    [r.id for r in valid] + [v.seq], v.at)
        for r in valid:
            if r is winner:
                r.status, r.decided_seq = "used", v.seq
                out.touched_reports.add(r.id)
                out.reasons.append(Reason("channel_led", "channel.visit_deadline_hours", (r.id, v.seq)))
            else:
                self._invalidate(r, "already_visited", v.seq, out)
        if winner is not None:
            target.channel, target.agent = winner.channel, winner.agent
            target.channel_visit_seq = v.seq
            target.channel_protection_end = v.at + _days(rules.channel_protection_days)
        else:
            target.channel, target.agent = f.NATURAL, None

    def _warn_if_late_for_arrival(self, r: ReportState, v: f.Visit, target: CustomerState, report_rules: RuleSet,
                                  out: Outcome) -> None:
        """A check-in delayed on its way (a kiosk's outbox) is judged when it reaches the store, so a report
        made after the visitor really stood at the kiosk can pass 防截客: judged so it stays, and a person
        decides from the `pre_intercept` warning."""
        if v.arrived_at is not None and v.arrived_at - r.at < timedelta(minutes=report_rules.pre_intercept_minutes):
            self._warn(out, target.id, "pre_intercept", v.at, [r.id, v.seq], "channel.pre_intercept_minutes")

    def _check_repeat_visits(self, c: CustomerState, v: f.Visit, rules: RuleSet, out: Outcome) -> None:
        if c.pledged or rules.repeat_visits <= 0:
            return
        window_start = v.at - _days(rules.repeat_window_days)
        recent = [t for t in c.visits if t > window_start]
        if len(recent) >= rules.repeat_visits and not self._has_warning(c.id, "repeat_visits_no_pledge"):
            self._warn(out, c.id, "repeat_visits_no_pledge", v.at, [v.seq], "warnings.repeat_visits")
