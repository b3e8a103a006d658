// The manager's phone beyond 审批 (app.js): 判客 with the engine's recommendation and both sides'
// evidence, decided with a reason; 预警 with the steps the workflow allows, each with a note; 看板, the
// day in a few numbers. The server decides what is allowed; the page words its codes.
import { addWords, addCodes, h, t, word, when, shown, hooks, enc, api, toast, alertBox, submitter, choices }
  from "./core.js";

addWords({
  tabCases: { zh: "判客", en: "Cases" },
  cases: { zh: "待判客", en: "Open cases" },
  case: { zh: "判客详情", en: "Case" },
  tabWarnings: { zh: "预警", en: "Warnings" },
  warnings: { zh: "预警", en: "Warnings" },
  tabBoard: { zh: "看板", en: "Board" },
  board: { zh: "今日看板", en: "Today" },
  noCases: { zh: "没有待判的案件", en: "No open cases" },
  recommended: { zh: "建议归属：{who}", en: "Recommended: {who}" },
  claimant: { zh: "主张方：{who}", en: "Claimed by {who}" },
  opened: { zh: "立案 {at}", en: "Opened {at}" },
  ruleIs: { zh: "依据规则：{rule}", en: "Rule: {rule}" },
  ownerNow: { zh: "当前归属：{who}", en: "Owner now: {who}" },
  claimantSide: { zh: "主张方证据", en: "The claimant's evidence" },
  recommendedSide: { zh: "建议方证据", en: "The recommendation's evidence" },
  sharedSide: { zh: "共同事实", en: "Shared facts" },
  noEvidence: { zh: "无", en: "None" },
  verdict: { zh: "裁决归属", en: "Verdict" },
  isRecommended: { zh: "{who}（建议）", en: "{who} (recommended)" },
  verdictReason: { zh: "裁决理由", en: "Reason" },
  verdictReasonPh: { zh: "推翻建议须写明理由（至少 {n} 个字）", en: "Overriding the recommendation needs {n} characters or more" },
  decide: { zh: "提交裁决", en: "Decide" },
  caseDecided: { zh: "已裁决：{who}", en: "Decided: {who}" },
  decisionBy: { zh: "{by} 裁决归 {who}", en: "{by} decided for {who}" },
  rotationWord: { zh: "轮序", en: "the rotation" },
  unverified: { zh: "未经确认", en: "unconfirmed" },
  noWarnings: { zh: "没有待处理的预警", en: "No open warnings" },
  stepNote: { zh: "处理说明（至少 {n} 个字）", en: "Note ({n} characters or more)" },
  stepDone: { zh: "预警已更新", en: "Warning updated" },
  noteNeeded: { zh: "请先填写处理说明", en: "Write the note first" },
  photos: { zh: "申诉照片", en: "Photos of evidence" },
  chooseTarget: { zh: "拉黑谁？（说明将作为拉黑理由）", en: "Blacklist whom? (the note is the reason)" },
  ownerIs: { zh: "归属 {who}", en: "Owner {who}" },
  visitsToday: { zh: "今日到访", en: "Visits today" },
  firstVisits: { zh: "首访", en: "First visits" },
  waitingConfirm: { zh: "待确认", en: "To confirm" },
  receiving: { zh: "接待中", en: "In reception" },
  openCases: { zh: "待判客", en: "Open cases" },
  activeWarnings: { zh: "待处理预警", en: "Open warnings" },
  stays: { zh: "今日接待", en: "Receptions today" },
  staysLine: { zh: "{n} 组 · 平均 {m} 分钟", en: "{n} · {m} min on average" },
  staysOpen: { zh: "{n} 组接待中", en: "{n} in progress" },
  noStays: { zh: "今天还没有结束的接待", en: "No reception ended today" },
  rotationNow: { zh: "轮序", en: "Rotation" },
  boardNext: { zh: "{who}（下一位）", en: "{who} (next)" },
  boardBusy: { zh: "{who}（忙）", en: "{who} (busy)" },
});
addCodes("caseKind", {
  ownership_conflict: { zh: "归属争议", en: "Ownership dispute" }, channel_conflict: { zh: "渠道争议", en: "Channel dispute" },
  identity_conflict: { zh: "身份冲突（一脸多号）", en: "Identity conflict" },
  deal_by_non_owner: { zh: "非归属顾问成交", en: "Deal by a non-owner" }, appeal: { zh: "顾问申诉", en: "Appeal" } });
addCodes("warningKind", {
  repeat_visits_no_pledge: { zh: "多次到访未认筹", en: "Repeat visits, no pledge" },
  face_seen_before_report: { zh: "报备前已识别到人脸", en: "Face seen before the report" },
  pre_intercept: { zh: "截客（报备过晚）", en: "Intercepted (late report)" },
  identity_split: { zh: "一人多号", en: "One person, several numbers" },
  unregistered_sighting: { zh: "到场未登记", en: "Seen, not registered" },
  fast_deal: { zh: "渠道客户快速成交", en: "Fast channel deal" },
  deal_by_non_owner: { zh: "非归属顾问成交", en: "Deal by a non-owner" },
  unconfirmed_checkin: { zh: "待确认登记未处理", en: "Check-in left unconfirmed" } });
addCodes("warningStatus", {
  open: { zh: "待处理", en: "Open" }, following: { zh: "跟进中", en: "Following up" },
  intervened: { zh: "经理已介入", en: "Manager stepped in" }, resolved: { zh: "已解决", en: "Resolved" },
  dismissed: { zh: "排除（误报）", en: "Dismissed" }, blacklisted: { zh: "已拉黑", en: "Blacklisted" } });
addCodes("step", {
  following: { zh: "记录跟进", en: "Follow up" }, intervened: { zh: "经理介入", en: "Step in" },
  resolved: { zh: "已解决", en: "Resolve" }, dismissed: { zh: "排除（误报）", en: "Dismiss" },
  blacklisted: { zh: "拉黑", en: "Blacklist" } });
addCodes("blacklistTarget", {
  none: { zh: "只关闭预警", en: "Close the warning only" }, customer_id: { zh: "拉黑客户", en: "Blacklist the customer" },
  agent: { zh: "拉黑经纪人", en: "Blacklist the agent" }, channel: { zh: "拉黑渠道", en: "Blacklist the channel" } });
addCodes("owner", { natural: { zh: "自然来访", en: "Walk-in" } });
// the rules a case is opened under (judge/: cases.py, pipeline.py, visits.py), worded as the console words them
// (console/pages/customer_words.py rule_text, rule_texts.py); {n} is the rule's value when the case opened
addCodes("caseRule", {
  "protection.consultant_days": { zh: "顾问保护期 {n} 天", en: "Consultant protection, {n} days" },
  "protection.follow_up_days": { zh: "跟进期 {n} 天（逾期无跟进进入公海）", en: "Follow-up period, {n} days" },
  "protection.pledge_freezes": { zh: "认筹后冻结保护期", en: "Protection frozen by a pledge" },
  "pool.claim_protection_days": { zh: "认领保护期 {n} 天", en: "Claim protection, {n} days" },
  "pool.lapse": { zh: "保护期已过，客户归公海", en: "Protection lapsed: the customer went to the pool" },
  "channel.mode": { zh: "渠道判客模式：{n}", en: "Channel rule: {n}" },
  "channel.protection_days": { zh: "渠道保护期 {n} 天", en: "Channel protection, {n} days" },
  "identity.face": { zh: "人脸识别为同一人", en: "The same person by face" },
  "identity.id_card": { zh: "身份证为同一人", en: "The same person by ID card" },
  deal: { zh: "已成交，归属锁定", en: "Deal made: ownership locked" } });
addCodes("ruleValue", {
  report_protect: { zh: "报备保护", en: "first valid report" }, competitive: { zh: "带看优先", en: "first to bring them" },
  true: { zh: "是", en: "yes" }, false: { zh: "否", en: "no" } });

// "顾问保护期 30 天"; a rule this page does not know keeps its code, with its value
function ruleWords(rule, value) {
  const shownValue = value === null || value === undefined ? "" : word("ruleValue", String(value));
  const text = word("caseRule", rule, { n: shownValue });
  return text === rule && shownValue ? `${rule} (${shownValue})` : text;
}

export const MANAGER_PAGES = {
  cases: { title: "cases", show: pageCases },
  case: { title: "case", show: pageCase, back: () => "#/cases" },
  warnings: { title: "warnings", show: pageWarnings },
  board: { title: "board", show: pageBoard },
};

export function managerTabs() {
  return [["approvals", "approvals"], ["cases", "tabCases"], ["warnings", "tabWarnings"], ["board", "tabBoard"],
    ["customers", "tabCustomers"]];
}

const who = (name) => word("owner", name) || name || "—";

// ---- 判客 ----------------------------------------------------------------------------------------------
async function pageCases() {
  const rows = await api("GET", "/api/cases");
  return h("ul#cases.list", rows.length ? rows.map((c) => h("li", { "data-case": String(c.id) },
    h("a.row", { href: `#/case/${enc(c.id)}` },
      h("div.top", h("span.who", shown(c)), h("span.when", when(c.opened_at))),
      h("div.tags", h("span.tag", word("caseKind", c.kind))),
      h("div.sub", [t("recommended", { who: who(c.recommended) }),
        c.claimant ? t("claimant", { who: who(c.claimant) }) : null].filter(Boolean).join(" · ")))))
    : h("li.empty", t("noCases")));
}

function evidenceList(items) {
  if (!items.length) return h("p.empty", t("noEvidence"));
  return h("ol.timeline", items.map((e) => h("li", { "data-seq": String(e.seq) },
    h("div.when", when(e.at), ` · ${e.actor}`),
    h("div.what", h("strong", word("event", e.kind)), " ",
      [e.consultant || (e.kind === "visit" ? t("rotationWord") : null),
        e.channel && e.channel !== "natural" ? `${e.channel} ${e.agent || ""}`.trim() : null,
        e.stage ? word("stage", e.stage) : null, e.verified === false ? t("unverified") : null]
        .filter(Boolean).join(" · ")),
    e.note ? h("div.sub", e.note) : null)));
}

async function pageCase(r) {
  const d = await api("GET", `/api/cases/${enc(r.id)}`);
  const c = d.case;
  const head = h("div.card", h("div.headline", shown(c)), h("div.sub", c.phone_masked),
    h("div.tags", h("span.tag", word("caseKind", c.kind))),
    h("div", t("recommended", { who: who(c.recommended) })),
    c.claimant ? h("div", t("claimant", { who: who(c.claimant) })) : null,
    h("div.sub", { id: "case-rule" }, t("ruleIs", { rule: ruleWords(c.rule, d.rule_value) })),
    h("div.sub", t("ownerNow", { who: who(d.owner_now) }), " · ", t("opened", { at: when(c.opened_at) })));
  const sides = [["claimantSide", d.claimant_side], ["recommendedSide", d.recommended_side], ["sharedSide", d.shared]]
    .map(([key, items]) => [h("h2", t(key)), h("div.card", evidenceList(items))]);
  if (d.photos.length) {  // the appeal's photos of evidence, shown to the manager deciding it
    sides.push([h("h2", t("photos")), h("div.card.photos", d.photos.map((ref) =>
      h("a", { href: `/api/evidence/${enc(ref)}`, target: "_blank", rel: "noopener" },
        h("img", { src: `/api/evidence/${enc(ref)}`, alt: t("photos"), loading: "lazy" }))))]);
  }
  if (d.decision) {
    return h("div", head, h("div.note", t("decisionBy", { by: d.decision.by, who: who(d.decision.verdict) }),
      d.decision.reason ? ` · ${d.decision.reason}` : ""), sides);
  }
  const reason = h("textarea", { id: "verdict-reason", name: "reason", maxlength: "500",
    placeholder: t("verdictReasonPh", { n: d.min_reason }) });
  const form = h("form#decide",
    h("div.field", h("span.name", t("verdict")), choices("verdict", d.choices.map((v) => [v,
      v === c.recommended ? t("isRecommended", { who: who(v) }) : who(v)]), d.choices[0])),
    h("div.field", h("label.name", { for: "verdict-reason" }, t("verdictReason")), reason),
    h("button.btn.primary.block", { type: "submit" }, t("decide")));
  form.addEventListener("submit", submitter(form, async () => {
    const verdict = form.querySelector("input[name=verdict]:checked")?.value;
    await api("POST", `/api/cases/${enc(c.id)}/decision`, { verdict, reason: reason.value.trim() });
    toast(t("caseDecided", { who: who(verdict) }));
    location.hash = "#/cases";
  }));
  return h("div", head, form, sides);
}

// ---- 预警 ----------------------------------------------------------------------------------------------
async function pageWarnings() {
  const found = await api("GET", "/api/warnings");
  return h("ul#warnings.list", found.rows.length ? found.rows.map((w) => warningItem(w, found.min_note))
    : h("li.empty", t("noWarnings")));
}

function warningItem(w, minNote) {
  const note = h("textarea", { name: "note", maxlength: "500", "aria-label": t("stepNote", { n: minNote }),
    placeholder: t("stepNote", { n: minNote }) });
  const slot = h("div");
  const take = (status, target = undefined) => async () => {
    slot.replaceChildren();
    if (!note.value.trim()) {  // the server requires a note for every step; say so before asking it
      slot.append(alertBox(t("noteNeeded")));
      note.focus();
      return;
    }
    if (status === "blacklisted" && target === undefined) {  // 拉黑 asks whom first: the warning's own parties
      slot.append(h("p.hint", t("chooseTarget")), h("div.actions",
        [...(w.blacklist_targets || []), "none"].map((x) => h(`button.btn${x === "none" ? "" : ".danger"}`,
          { type: "button", "data-target": x, onclick: take(status, x === "none" ? null : x) },
          word("blacklistTarget", x)))));
      return;
    }
    const buttons = item.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const body = { status, note: note.value.trim() };
      if (target) body.target = target;
      await api("POST", `/api/warnings/${enc(w.id)}/steps`, body);
      toast(t("stepDone"));
      hooks.render();
    } catch (error) {
      buttons.forEach((b) => { b.disabled = false; });
      if (error.status !== 401) slot.replaceChildren(alertBox(error.message));
    }
  };
  const subject = w.customer ? shown(w) : word("warningKind", w.kind);
  const item = h("li", { "data-warning": String(w.id), "data-status": w.status }, h("div.row",
    h("div.top", h("span.who", subject), h("span.when", when(w.at))),
    h("div.tags", h("span.tag", word("warningKind", w.kind)),
      h(`span.tag${w.status === "open" ? ".warn" : ""}`, word("warningStatus", w.status))),
    h("div.sub", [w.customer && w.surname_shown ? w.phone_masked : null, w.owner ? t("ownerIs", { who: w.owner }) : null,
      w.channel && w.channel !== "natural" ? `${w.channel} ${w.agent || ""}`.trim() : null].filter(Boolean).join(" · ")),
    w.steps.length ? [h("div.field.decision", note), slot,
      h("div.actions", w.steps.map((s) => h(`button.btn${s === "resolved" ? ".primary" : s === "dismissed" || s === "blacklisted" ? ".danger" : ""}`,
        { type: "button", "data-step": s, onclick: take(s) }, word("step", s))))] : null));
  return item;
}

// ---- 看板 ----------------------------------------------------------------------------------------------
async function pageBoard() {
  const b = await api("GET", "/api/board");
  const tile = (key, n, href) => h(href ? "a.tile" : "div.tile", { href, "data-figure": key },
    h("strong", String(n)), h("span", t(key)));
  const stays = b.stays.length ? h("ul.list", b.stays.map((s) => h("li", h("div.row",
    h("div.top", h("span.who", s.consultant),
      h("span.when", s.stays ? t("staysLine", { n: s.stays, m: Math.round((s.average_seconds || 0) / 60) }) : "")),
    s.open ? h("div.sub", t("staysOpen", { n: s.open })) : null))))
    : h("p.empty", t("noStays"));
  return h("div#board",
    h("div.tiles", tile("visitsToday", b.visits), tile("firstVisits", b.first_visits),
      tile("waitingConfirm", b.waiting), tile("receiving", b.receiving),
      tile("openCases", b.open_cases, "#/cases"), tile("activeWarnings", b.active_warnings, "#/warnings")),
    h("h2", t("rotationNow")),
    h("div.card.rotation-line", b.rotation.map((s) => h(`span.tag${s.is_next ? ".ok" : s.busy ? ".warn" : ""}`,
      s.is_next ? t("boardNext", { who: s.name }) : s.busy ? t("boardBusy", { who: s.name }) : s.name))),
    h("h2", t("stays")), stays);
}
