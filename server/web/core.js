// 案场通 pages, the shared part: words, the DOM helper h(), times, the API client, toasts and forms.
// No framework and no build step: the server ships this folder as it is, and nothing is fetched from the
// internet. Every piece of server text goes into the page through text nodes (see h()), never as HTML:
// customer names and notes are typed by strangers at a kiosk. app.js (the consultant's pages and the
// router), reception.js (the reception tablet) and manager.js (the manager's phone) build on this.

// ---- words: every visible string, Chinese first -------------------------------------------------------
export const WORDS = {
  app: { zh: "案场通", en: "Anchang" },
  lead: { zh: "置业顾问与经理登录", en: "Sign in: consultants and managers" },
  signin: { zh: "登录", en: "Sign in" },
  signout: { zh: "退出", en: "Sign out" },
  name: { zh: "姓名", en: "Name" },
  secret: { zh: "密码", en: "Secret" },
  back: { zh: "‹ 返回", en: "‹ Back" },
  otherLang: { zh: "EN", en: "中文" },
  otherLangLabel: { zh: "Switch to English", en: "切换到中文" },
  loading: { zh: "正在加载…", en: "Loading…" },
  offline: { zh: "连不上案场服务器，请检查 Wi-Fi 后重试 / Cannot reach the site server",
    en: "Cannot reach the site server: check the Wi-Fi and try again" },
  // tabs and page titles
  today: { zh: "我的今日", en: "My day" },
  tabToday: { zh: "今日", en: "Today" },
  customers: { zh: "我的客户", en: "My customers" },
  allCustomers: { zh: "客户", en: "Customers" },
  tabCustomers: { zh: "客户", en: "Customers" },
  customer: { zh: "客户详情", en: "Customer" },
  customerNo: { zh: "客户 #{id}", en: "Customer #{id}" },
  followUp: { zh: "写跟进", en: "Follow-up" },
  stage: { zh: "改阶段", en: "Change stage" },
  askNumber: { zh: "申请查看号码", en: "Ask for the number" },
  pool: { zh: "公海", en: "Pool" },
  numbers: { zh: "号码申请", en: "Number requests" },
  tabNumbers: { zh: "号码", en: "Numbers" },
  approvals: { zh: "审批", en: "Approvals" },
  appealLink: { zh: "申诉：客户应归我", en: "Appeal: this customer is mine" },
  // 我的今日
  arrivals: { zh: "我的客户到访", en: "My customers arriving" },
  noArrivals: { zh: "暂时没有你的客户到访", en: "None of your customers has arrived yet" },
  receptions: { zh: "今日接待", en: "Today's receptions" },
  noReceptions: { zh: "今天还没有接待", en: "No receptions today yet" },
  reminders: { zh: "提醒", en: "Reminders" },
  noReminders: { zh: "没有待办提醒", en: "Nothing to remind you of" },
  justArrived: { zh: "刚到", en: "Just in" },
  arrivedToast: { zh: "{who} 到访了", en: "{who} just checked in" },
  due: { zh: "截止 {at}", en: "due {at}" },
  // 我的客户
  searchLabel: { zh: "搜索客户", en: "Search customers" },
  searchHint: { zh: "拼音、姓氏或手机尾号四位", en: "Pinyin, surname or last four digits" },
  noCustomers: { zh: "没有找到客户", en: "No customers found" },
  owner: { zh: "归属", en: "Owner" },
  protLeftDays: { zh: "保护期剩 {n} 天", en: "Protected: {n} days left" },
  protLeftDay1: { zh: "保护期剩 1 天", en: "Protected: 1 day left" },
  protLeftHours: { zh: "保护期剩 {n} 小时", en: "Protected: {n} h left" },
  protOver: { zh: "保护期已过", en: "Protection ended" },
  noProt: { zh: "无保护期", en: "Not protected" },
  fuDays: { zh: "{n} 天内需跟进", en: "Follow up within {n} days" },
  fuDay1: { zh: "1 天内需跟进", en: "Follow up within 1 day" },
  fuHours: { zh: "{n} 小时内需跟进", en: "Follow up within {n} h" },
  fuLate: { zh: "跟进已逾期 {n} 天", en: "Follow-up {n} days late" },
  fuLateToday: { zh: "跟进已逾期", en: "Follow-up overdue" },
  // 客户详情
  stageLabel: { zh: "阶段", en: "Stage" },
  noStage: { zh: "未定", en: "None yet" },
  phoneLabel: { zh: "号码", en: "Number" },
  protection: { zh: "保护期", en: "Protection" },
  protUntil: { zh: "至 {at}", en: "until {at}" },
  rule: { zh: "规则", en: "Rule" },
  channel: { zh: "渠道", en: "Channel" },
  agent: { zh: "经纪人", en: "Agent" },
  visits: { zh: "到访次数", en: "Visits" },
  lastVisit: { zh: "最近到访", en: "Last visit" },
  timeline: { zh: "时间线", en: "Timeline" },
  noTimeline: { zh: "还没有记录", en: "Nothing recorded yet" },
  // forms
  kind: { zh: "方式", en: "Kind" },
  note: { zh: "跟进内容", en: "Note" },
  notePh: { zh: "客户说了什么，下一步做什么", en: "What the customer said, what comes next" },
  save: { zh: "保存", en: "Save" },
  saved: { zh: "已保存", en: "Saved" },
  chooseStage: { zh: "新阶段", en: "New stage" },
  stageSaved: { zh: "阶段已更新", en: "Stage changed" },
  reason: { zh: "申请理由", en: "Reason" },
  reasonPh: { zh: "例如：客户约了明天回电", en: "e.g. the customer asked to be called back tomorrow" },
  send: { zh: "提交申请", en: "Send the request" },
  askSent: { zh: "申请已提交，等待经理审批", en: "Request sent: waiting for a manager" },
  // 公海
  allowance: { zh: "今日已认领", en: "Claimed today" },
  coolDown: { zh: "冷却期至 {at}", en: "You may claim again from {at}" },
  allowanceOf: { zh: "{a} / {b}", en: "{a} of {b}" },
  claim: { zh: "认领", en: "Claim" },
  claimed: { zh: "已认领 {who}", en: "Claimed {who}" },
  poolSince: { zh: "入公海 {at}", en: "In the pool since {at}" },
  lastOwner: { zh: "原归属 {who}", en: "Was {who}'s" },
  poolEmpty: { zh: "公海里没有客户", en: "The pool is empty" },
  allowanceUsed: { zh: "今日认领次数已用完", en: "No claims left today" },
  // 号码申请 and 审批
  noRequests: { zh: "还没有号码申请", en: "No number requests" },
  noWaiting: { zh: "没有待审批的申请", en: "Nothing waiting for approval" },
  waiting: { zh: "待审批", en: "Waiting" },
  approved: { zh: "已批准", en: "Approved" },
  refused: { zh: "已拒绝", en: "Refused" },
  viewed: { zh: "已查看", en: "Viewed" },
  asked: { zh: "申请于 {at}", en: "Asked {at}" },
  askedBy: { zh: "{who} 申请", en: "Asked by {who}" },
  decidedBy: { zh: "{who} 审批", en: "Decided by {who}" },
  view: { zh: "查看号码", en: "See the number" },
  onceOnly: { zh: "号码只显示这一次，离开本页后不能再看，请现在记下。",
    en: "The number is shown only this once: note it now, it cannot be shown again." },
  decisionReason: { zh: "审批意见（必填）", en: "Reason for the decision (required)" },
  reasonNeeded: { zh: "请先填写审批意见", en: "Write the reason for the decision first" },
  approve: { zh: "批准", en: "Approve" },
  refuse: { zh: "拒绝", en: "Refuse" },
  decided: { zh: "已处理", en: "Done" },
  newRequest: { zh: "{who} 申请查看 {cust} 的号码", en: "{who} asks for {cust}'s number" },
  decidedToast: { zh: "{cust} 的号码申请：{status}", en: "Number request for {cust}: {status}" },
};
// the follow-up kinds are sent as these Chinese words (the server's contract); only their labels change
export const KINDS = { 电话: { zh: "电话", en: "Phone" }, 微信: { zh: "微信", en: "WeChat" },
  面谈: { zh: "面谈", en: "Meeting" }, 到访: { zh: "到访", en: "Visit" } };
// codes the server sends and the page words (the console's words, console/pages/customer_words.py)
export const CODES = {
  stage: { pledge: { zh: "认筹", en: "Pledge" }, subscribe: { zh: "认购", en: "Subscription" },
    contract: { zh: "签约", en: "Contract" }, cancel: { zh: "退订", en: "Cancelled" } },
  event: { visit: { zh: "到访", en: "Visit" }, confirm: { zh: "前台确认", en: "Confirmed" },
    dismiss: { zh: "登记作废", en: "Check-in voided" }, report: { zh: "报备", en: "Report" },
    follow_up: { zh: "跟进", en: "Follow-up" }, stage: { zh: "阶段变更", en: "Stage" },
    claim: { zh: "认领", en: "Claimed" }, release: { zh: "释放到公海", en: "Released to the pool" },
    assign: { zh: "指派", en: "Assigned" }, blacklist: { zh: "黑名单", en: "Blacklist" },
    case_decision: { zh: "判客裁决", en: "Case decided" }, warning_update: { zh: "预警处理", en: "Warning handled" },
    reveal_phone: { zh: "查看完整号码", en: "Full number seen" }, erasure: { zh: "删除个人信息", en: "Personal data erased" },
    consent: { zh: "人脸授权", en: "Face consent" }, face_enrolled: { zh: "人脸录入", en: "Face enrolled" },
    consent_withdrawn: { zh: "撤回人脸授权", en: "Face consent withdrawn" }, reception_stay: { zh: "接待", en: "Reception" },
    appeal: { zh: "申诉", en: "Appeal" }, report_stated_time: { zh: "渠道声明的报备时间", en: "Stated report time" },
    sighting: { zh: "摄像头识别", en: "Camera sighting" } },
  reminder: { protection_ending: { zh: "保护期快到期", en: "Protection ending" },
    follow_up_due: { zh: "该跟进了", en: "Follow-up due" },
    pledge_without_visit: { zh: "已认筹未到访", en: "Pledged, no visit since" } },
  rule: { "protection.consultant_days": { zh: "归属保护期 {n} 天", en: "Ownership protection, {n} days" },
    "protection.follow_up_days": { zh: "跟进期 {n} 天", en: "Follow-up period, {n} days" },
    "pool.claim_protection_days": { zh: "认领保护期 {n} 天", en: "Claim protection, {n} days" },
    "protection.pledge_freezes": { zh: "认筹冻结保护", en: "Frozen by a pledge" },
    deal: { zh: "已成交，归属锁定", en: "Deal made: ownership locked" } },
  channel: { natural: { zh: "自然来访", en: "Walk-in" } },
  owner: { pool: { zh: "公海", en: "the pool" }, none: { zh: "无", en: "nobody" } },
};

// a code's words, or the code itself when this page does not know it (a newer server)
export function word(group, code, vars = {}) {
  if (code === null || code === undefined) return "";
  const text = CODES[group][code]?.[lang] ?? String(code);
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export let lang = localStorage.getItem("anchang.lang") ||
  ((navigator.language || "zh").toLowerCase().startsWith("zh") ? "zh" : "en");

export function t(key, vars = {}) {
  const text = WORDS[key]?.[lang] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export function setLang(next) {
  lang = next;
  localStorage.setItem("anchang.lang", lang);
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

// ---- DOM: h("tag#id.class", {attrs}, children...); strings become text nodes, so data is never HTML ----
export function h(spec, attrs, ...children) {
  const [head, ...classes] = spec.split(".");
  const [tag, id] = head.split("#");
  const el = document.createElement(tag);
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(" ");
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// ---- times: the server sends ISO 8601 with its offset; the phone shows its own local time -------------
export const DAY = 86400000, HOUR = 3600000, MINUTE = 60000;
// "now" is the server's: the sign-in and GET /api/session answer with its clock (in the site's UTC offset),
// and the difference from the phone's clock is kept, so "days left" does not depend on a phone set wrong
let skew = 0;  // the server's clock minus the phone's, in ms
let siteOffset = -new Date().getTimezoneOffset();  // the site's UTC offset in minutes (+480: Asia/Shanghai)

export function now() { return Date.now() + skew; }

function syncClock(iso) {
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return;
  skew = at - Date.now();
  const zone = /([+-])(\d\d):?(\d\d)$/.exec(iso);
  if (zone) siteOffset = (zone[1] === "-" ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3]));
  else if (/Z$/i.test(iso)) siteOffset = 0;
}

// the site's calendar and clock (not the phone's zone): "2025-03-08", "14:30", and back to ISO with the offset
const siteShifted = (ms) => new Date(ms + siteOffset * MINUTE).toISOString();
export const siteDay = (ms = now()) => siteShifted(ms).slice(0, 10);
export const siteClock = (ms = now()) => siteShifted(ms).slice(11, 16);
export function siteIso(day, clock) {
  const sign = siteOffset < 0 ? "-" : "+", abs = Math.abs(siteOffset);
  const pad = (n) => String(n).padStart(2, "0");
  return `${day}T${clock}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" }).format(d);
  const today = new Date(now());
  if (d.toDateString() === today.toDateString()) return clock;
  // 12月9日 17:22 / 9 Dec 17:22: no all-digit date a reader could take day-first or month-first
  const year = d.getFullYear() === today.getFullYear() ? "" : (lang === "zh" ? `${d.getFullYear()}年` : ` ${d.getFullYear()}`);
  if (lang === "zh") return `${year}${d.getMonth() + 1}月${d.getDate()}日 ${clock}`;
  return `${d.getDate()} ${d.toLocaleString("en-GB", { month: "short" })}${year} ${clock}`;
}


// the customer's surname display (张女士, 张*); a customer who gave no name goes by the masked number
export function shown(x) {
  return x.surname_shown || x.phone_masked || t("customerNo", { id: x.customer ?? x.id });
}

export const tag = (words) => words && h(`span.tag${words.tone ? "." + words.tone : ""}`, words.text);

// ---- the API: same origin, the session cookie, X-CSRF-Token on every write -----------------------------
export let session = null;  // {name, role, consultant, csrf, now}
export function setSession(next) {
  session = next;
  if (next?.now) syncClock(next.now);
}
// set by app.js: what a 401 does, and how the open page is drawn again (the modules do not import app.js)
export const hooks = { signedOut: () => {}, render: () => {} };
export const enc = encodeURIComponent;
// words of the page modules, added to the one table t() reads
export function addWords(more) { Object.assign(WORDS, more); }
export function addCodes(group, more) { CODES[group] = { ...CODES[group], ...more }; }

export class Refusal extends Error {
  constructor(status, message, code) { super(message); this.status = status; this.code = code; }
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["X-CSRF-Token"] = session?.csrf || "";
    if (body !== undefined) headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, { method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new Refusal(0, t("offline"));
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  // 401 outside the sign-in form: the session ended (idle expiry, signed out elsewhere)
  if (response.status === 401 && path !== "/api/session") {
    hooks.signedOut();
    throw new Refusal(401, data?.message || "");
  }
  throw new Refusal(response.status, data?.message || detailText(data?.detail) || `HTTP ${response.status}`,
    data?.code);
}

// a 422 from the request validation: {"detail": [{"loc", "msg"}]} rather than the API's message
function detailText(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
  return "";
}

export function parse(text) {
  try { return JSON.parse(text); } catch { return null; }
}


let toastTimer = 0;
export function toast(text) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

export const alertBox = (message) => h("div.alert", { role: "alert" }, message);

// a form's submit: disables the button while it runs, shows the server's refusal message whole
export function submitter(form, work) {
  return async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    form.querySelector(".alert")?.remove();
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    if (button) button.disabled = true;
    try {
      await work();
    } catch (error) {
      if (error.status === 401 && form.id !== "signin") return;
      const alert = alertBox(error.message);
      form.prepend(alert);
      // a field the server named (400 bad_<field>): marked beside the message, which stays whole on top
      const field = /^bad_(\w+)$/.exec(error.code || "")?.[1];
      if (field) {
        form.querySelectorAll(`[name="${field}"], [data-field="${field}"]`)
          .forEach((el) => el.setAttribute("aria-invalid", "true"));
      }
      alert.scrollIntoView?.({ block: "nearest" });
    } finally {
      if (button) button.disabled = false;
    }
  };
}

export function choices(name, options, checked) {
  return h("div.choices", { role: "radiogroup" }, options.map(([value, label]) => h("label.choice",
    h("input", { type: "radio", name, value, checked: value === checked, required: true }),
    h("span", label))));
}

