// 案场通 phone pages: one small single-page app over the site server's JSON API (docs/site-server.md).
// No framework and no build step: the server ships this folder as it is, and nothing is fetched from the
// internet. Every piece of server text goes into the page through text nodes (see h()), never as HTML:
// customer names and notes are typed by strangers at a kiosk.

// ---- words: every visible string, Chinese first -------------------------------------------------------
const WORDS = {
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
const KINDS = { 电话: { zh: "电话", en: "Phone" }, 微信: { zh: "微信", en: "WeChat" },
  面谈: { zh: "面谈", en: "Meeting" }, 到访: { zh: "到访", en: "Visit" } };
// codes the server sends and the page words (the console's words, console/pages/customer_words.py)
const CODES = {
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
const UNOWNED = new Set(["pool", "none"]);

// a code's words, or the code itself when this page does not know it (a newer server)
function word(group, code, vars = {}) {
  if (code === null || code === undefined) return "";
  const text = CODES[group][code]?.[lang] ?? String(code);
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

let lang = localStorage.getItem("anchang.lang") ||
  ((navigator.language || "zh").toLowerCase().startsWith("zh") ? "zh" : "en");

function t(key, vars = {}) {
  const text = WORDS[key]?.[lang] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

function setLang(next) {
  lang = next;
  localStorage.setItem("anchang.lang", lang);
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

// ---- DOM: h("tag#id.class", {attrs}, children...); strings become text nodes, so data is never HTML ----
function h(spec, attrs, ...children) {
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
const DAY = 86400000, HOUR = 3600000;

function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" }).format(d);
  if (d.toDateString() === new Date().toDateString()) return clock;
  // 12月9日 17:22 / 9 Dec 17:22: no all-digit date a reader could take day-first or month-first
  const year = d.getFullYear() === new Date().getFullYear() ? "" : (lang === "zh" ? `${d.getFullYear()}年` : ` ${d.getFullYear()}`);
  if (lang === "zh") return `${year}${d.getMonth() + 1}月${d.getDate()}日 ${clock}`;
  return `${d.getDate()} ${d.toLocaleString("en-GB", { month: "short" })}${year} ${clock}`;
}

// "保护期剩 3 天": whole days rounded up, so "1 day" means before this time tomorrow
function protectionWords(until) {
  if (!until) return null;
  const left = new Date(until).getTime() - Date.now();
  if (left <= 0) return { text: t("protOver"), tone: "warn" };
  if (left < DAY) return { text: t("protLeftHours", { n: Math.ceil(left / HOUR) }), tone: "warn" };
  const n = Math.ceil(left / DAY);
  return { text: n === 1 ? t("protLeftDay1") : t("protLeftDays", { n }), tone: n <= 3 ? "warn" : "ok" };
}

function followUpWords(due) {
  if (!due) return null;
  const left = new Date(due).getTime() - Date.now();
  if (left <= 0) {
    const n = Math.floor(-left / DAY);
    return { text: n >= 1 ? t("fuLate", { n }) : t("fuLateToday"), tone: "warn" };
  }
  if (left < DAY) return { text: t("fuHours", { n: Math.ceil(left / HOUR) }), tone: "warn" };
  const n = Math.ceil(left / DAY);
  return { text: n === 1 ? t("fuDay1") : t("fuDays", { n }), tone: "" };
}

// the customer's surname display (张女士, 张*); a customer who gave no name goes by the masked number
function shown(x) {
  return x.surname_shown || x.phone_masked || t("customerNo", { id: x.customer ?? x.id });
}

const tag = (words) => words && h(`span.tag${words.tone ? "." + words.tone : ""}`, words.text);

// ---- the API: same origin, the session cookie, X-CSRF-Token on every write -----------------------------
let session = null;  // {name, role, consultant, csrf}

class Refusal extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
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
    signedOut();
    throw new Refusal(401, data?.message || "");
  }
  throw new Refusal(response.status, data?.message || detailText(data?.detail) || `HTTP ${response.status}`);
}

// a 422 from the request validation: {"detail": [{"loc", "msg"}]} rather than the API's message
function detailText(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
  return "";
}

// ---- the live feed: arrivals of my customers, number requests, decisions ------------------------------
let live = null;
const freshArrivals = [];  // arrivals pushed since 我的今日 last loaded: kept highlighted on a re-render

function startLive() {
  if (live || !window.EventSource) return;
  live = new EventSource("/api/live");
  // body[data-live] says whether news can arrive (a test waits for "open" before it checks a visitor in)
  live.addEventListener("open", () => { document.body.dataset.live = "open"; });
  live.addEventListener("arrival", (event) => {
    const arrival = parse(event.data);
    // managers and reception get every arrival too; these pages tell consultants of their own
    if (!arrival || !session?.consultant) return;
    if (freshArrivals.some((a) => a.seq === arrival.seq)) return;  // a reconnect may send it again
    freshArrivals.unshift(arrival);
    const list = document.getElementById("arrivals");
    if (list) {
      // prepend without a reload, unless the page loaded it already
      if (!list.querySelector(`[data-seq="${CSS.escape(String(arrival.seq))}"]`)) {
        list.querySelector(".empty")?.remove();
        list.prepend(arrivalItem(arrival, true));
      }
    } else {
      toast(t("arrivedToast", { who: shown(arrival) }));
    }
  });
  live.addEventListener("number_request", (event) => {
    const req = parse(event.data);
    if (!req || session?.role !== "manager") return;
    // added to the open list, not re-rendered: a reason half typed into another card stays
    const list = document.getElementById("approvals");
    if (list && !list.querySelector(`[data-request="${CSS.escape(String(req.id))}"]`)) {
      list.querySelector(".empty")?.remove();
      list.append(approvalItem(req));
    } else if (!list) {
      toast(t("newRequest", { who: req.consultant, cust: shown(req) }));
    }
  });
  live.addEventListener("number_decided", (event) => {
    const req = parse(event.data);
    if (!req) return;
    // only this request's card changes: a number just revealed on another card must stay on screen
    const card = document.querySelector(`#numbers [data-request="${CSS.escape(String(req.id))}"]`);
    if (card) card.replaceWith(numberItem(req));
    else toast(t("decidedToast", { cust: shown(req), status: t(req.status) }));
  });
  // EventSource reconnects by itself after a network error; an HTTP error (401 once the session expired,
  // 502 from a restarting server) closes it for good: ask whether we are still signed in, then reopen
  live.addEventListener("error", () => {
    document.body.dataset.live = "down";
    if (live?.readyState !== EventSource.CLOSED) return;
    live = null;
    api("GET", "/api/session").then((s) => { session = s; startLive(); }).catch((error) => {
      if (error.status === 401) { signedOut(); return; }
      setTimeout(() => { if (session) startLive(); }, 5000);
    });
  });
}

function stopLive() {
  delete document.body.dataset.live;
  live?.close();
  live = null;
  freshArrivals.length = 0;
}

function parse(text) {
  try { return JSON.parse(text); } catch { return null; }
}

// ---- chrome: header, tab bar, toast ---------------------------------------------------------------
function tabs() {
  const list = [];
  if (session?.consultant) {
    list.push(["today", "tabToday"], ["customers", "tabCustomers"], ["pool", "pool"], ["numbers", "tabNumbers"]);
  } else {
    list.push(["customers", "tabCustomers"]);
  }
  if (session?.role === "manager") list.push(["approvals", "approvals"]);
  return list;
}

function paintChrome(titleKey, backTo) {
  document.title = `${t(titleKey)} · ${t("app")}`;
  document.getElementById("title").textContent = t(titleKey);
  const langButton = document.getElementById("lang");
  langButton.textContent = t("otherLang");
  langButton.setAttribute("aria-label", t("otherLangLabel"));
  const back = document.getElementById("back");
  back.hidden = !backTo;
  back.textContent = t("back");
  back.onclick = () => { location.hash = backTo; };
  const out = document.getElementById("signout");
  out.hidden = !session;
  out.textContent = t("signout");
  const nav = document.getElementById("tabs");
  nav.hidden = !session;
  document.body.classList.toggle("no-tabs", !session);
  const current = route().page;
  const parentTab = { customer: "customers", "follow-up": "customers", stage: "customers", ask: "customers" };
  nav.replaceChildren(...(session ? tabs() : []).map(([page, key]) => h("a", {
    href: `#/${page}`, "data-tab": page,
    "aria-current": (parentTab[current] || current) === page ? "page" : null,
  }, h("span.dot"), h("span.label", t(key)))));
}

let toastTimer = 0;
function toast(text) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

const alertBox = (message) => h("div.alert", { role: "alert" }, message);

// a form's submit: disables the button while it runs, shows the server's refusal message whole
function submitter(form, work) {
  return async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    form.querySelector(".alert")?.remove();
    if (button) button.disabled = true;
    try {
      await work();
    } catch (error) {
      if (error.status !== 401 || form.id === "signin") form.prepend(alertBox(error.message));
    } finally {
      if (button) button.disabled = false;
    }
  };
}

// ---- routes: #/page/id ----------------------------------------------------------------------------
function route() {
  const [page, id, sub] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (page === "customer" && sub) return { page: sub, id };
  return { page: page || "", id };
}

function home() {
  if (!session) return "#/signin";
  return session.consultant ? "#/today" : session.role === "manager" ? "#/approvals" : "#/customers";
}

const PAGES = {
  signin: { title: "signin", show: pageSignin, open: true },
  today: { title: "today", show: pageToday },
  customers: { title: () => (session?.consultant ? "customers" : "allCustomers"), show: pageCustomers },
  customer: { title: "customer", show: pageCustomer, back: () => "#/customers" },
  "follow-up": { title: "followUp", show: pageFollowUp, back: (r) => `#/customer/${enc(r.id)}` },
  stage: { title: "stage", show: pageStage, back: (r) => `#/customer/${enc(r.id)}` },
  ask: { title: "askNumber", show: pageAsk, back: (r) => `#/customer/${enc(r.id)}` },
  pool: { title: "pool", show: pagePool },
  numbers: { title: "numbers", show: pageNumbers },
  approvals: { title: "approvals", show: pageApprovals },
};
const enc = encodeURIComponent;

let renderCount = 0;
async function render() {
  const r = route();
  const page = PAGES[r.page];
  if (!page || (!session && !page.open) || (session && r.page === "signin")) {
    location.replace(home());
    return;
  }
  const mine = ++renderCount;  // a slow answer for a page we already left must not replace the new one
  const title = typeof page.title === "function" ? page.title() : page.title;
  paintChrome(title, page.back?.(r));
  const view = document.getElementById("view");
  view.dataset.page = r.page;
  view.replaceChildren(h("p.loading", t("loading")));
  let content;
  try {
    content = await page.show(r);
  } catch (error) {
    if (error.status === 401) return;
    content = alertBox(error.message);
  }
  if (mine !== renderCount) return;
  view.replaceChildren(content);
  view.dataset.ready = r.page;  // tests and the tour wait for this
}

// ---- pages --------------------------------------------------------------------------------------
function pageSignin() {
  const name = h("input", { type: "text", id: "name", name: "name", autocomplete: "username", required: true });
  const secret = h("input", { type: "password", id: "secret", name: "secret", autocomplete: "current-password",
    required: true });
  const form = h("form#signin");
  form.append(
    h("div.field", h("label.name", { for: "name" }, t("name")), name),
    h("div.field", h("label.name", { for: "secret" }, t("secret")), secret),
    h("button.btn.primary.block", { type: "submit" }, t("signin")));
  form.addEventListener("submit", submitter(form, async () => {
    session = await api("POST", "/api/session", { name: name.value.trim(), secret: secret.value });
    secret.value = "";
    startLive();
    location.hash = home();
  }));
  return h("div.signin", h("img.logo", { src: "/icons/icon-192.png", alt: "" }), h("p.lead", t("lead")), form);
}

function arrivalItem(a, fresh = false) {
  return h("li.arrival", { "data-seq": String(a.seq) },
    h(`a.row${fresh ? ".fresh" : ""}`, { href: `#/customer/${enc(a.customer)}` },
      h("div.top", h("span.who", fresh ? h("span.newmark", t("justArrived")) : null, shown(a)),
        h("span.when", when(a.at))),
      h("div.sub", a.kiosk ? `${a.phone_masked} · ${a.kiosk}` : a.phone_masked)));
}

async function pageToday() {
  const today = await api("GET", "/api/today");
  const listed = new Set(today.arrivals.map((a) => String(a.seq)));
  // arrivals pushed since the last load that the answer does not hold yet stay on top, still highlighted
  const fresh = freshArrivals.filter((a) => !listed.has(String(a.seq)));
  freshArrivals.length = 0;
  freshArrivals.push(...fresh);
  const arrivals = h("ul#arrivals.list");
  arrivals.append(...fresh.map((a) => arrivalItem(a, true)), ...today.arrivals.map((a) => arrivalItem(a)));
  if (!arrivals.children.length) arrivals.append(h("li.empty", t("noArrivals")));
  const receptions = today.receptions.length
    ? h("ul#receptions.list", today.receptions.map((a) => arrivalItem(a)))
    : h("p.empty", t("noReceptions"));
  const reminders = today.reminders.length
    ? h("ul.list", today.reminders.map((r) => h("li", h("a.row", { href: `#/customer/${enc(r.customer)}` },
      h("div.top", h("span.who", shown(r)), h("span.when", r.due_at ? t("due", { at: when(r.due_at) }) : "")),
      h("div.sub", word("reminder", r.kind), r.text ? ` · ${r.text}` : "")))))
    : h("p.empty", t("noReminders"));
  return h("div", h("h2", t("arrivals")), arrivals, h("h2", t("receptions")), receptions,
    h("h2", t("reminders")), reminders);
}

let lastQuery = "";
async function pageCustomers() {
  const box = h("input", { type: "search", id: "q", value: lastQuery, placeholder: t("searchHint"),
    "aria-label": t("searchLabel"), autocomplete: "off", enterkeyhint: "search" });
  const results = h("div#results");
  let timer = 0, asked = 0;
  const search = async () => {
    const mine = ++asked;
    lastQuery = box.value.trim();
    const path = lastQuery ? `/api/customers?q=${enc(lastQuery)}` : "/api/customers";
    try {
      const rows = await api("GET", path);
      if (mine === asked) results.replaceChildren(customerList(rows));
    } catch (error) {
      if (mine === asked && error.status !== 401) results.replaceChildren(alertBox(error.message));
    }
  };
  box.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 300); });
  const form = h("form.search", { role: "search", onsubmit: (e) => { e.preventDefault(); box.blur(); search(); } }, box);
  await search();
  return h("div", form, results);
}

function customerList(rows) {
  if (!rows.length) return h("p.empty", t("noCustomers"));
  // kept in the server's order: what expires first comes first
  return h("ul.list", rows.map((c) => h("li", { "data-customer": String(c.id) },
    h("a.row", { href: `#/customer/${enc(c.id)}` },
      h("div.top", h("span.who", shown(c)), h("span.when", c.phone_masked)),
      // a pool customer's protection and follow-up dates are past and mean nothing any more
      h("div.tags", c.stage ? h("span.tag", word("stage", c.stage)) : null,
        UNOWNED.has(c.owner) ? h("span.tag", word("owner", c.owner))
          : [tag(protectionWords(c.protection_until)), tag(followUpWords(c.follow_up_due))]),
      h("div.sub", [session?.consultant ? null : `${t("owner")} ${word("owner", c.owner) || "—"}`,
        word("channel", c.channel)]
        .filter(Boolean).join(" · "))))));
}

async function pageCustomer(r) {
  const c = await api("GET", `/api/customers/${enc(r.id)}`);
  const p = c.protection;
  const facts = h("dl.facts",
    h("dt", t("stageLabel")), h("dd", c.stage ? word("stage", c.stage) : t("noStage")),
    h("dt", t("owner")), h("dd", word("owner", c.owner) || "—"),
    h("dt", t("protection")), h("dd", p ? [tag(protectionWords(p.until)),
      p.until ? " " + t("protUntil", { at: when(p.until) }) : ""] : t("noProt")),
    p?.rule ? [h("dt", t("rule")), h("dd", word("rule", p.rule, { n: p.days ?? "" }))] : null,
    c.channel ? [h("dt", t("channel")), h("dd", word("channel", c.channel))] : null,
    c.agent ? [h("dt", t("agent")), h("dd", c.agent)] : null,
    h("dt", t("visits")), h("dd", String(c.visit_count ?? 0)),
    c.last_visit_at ? [h("dt", t("lastVisit")), h("dd", when(c.last_visit_at))] : null);
  const base = `#/customer/${enc(c.id)}`;
  // the writes are the owner's (a pool customer is claimed first, on 公海)
  const actions = session?.consultant && c.owner === session.consultant ? h("div.actions",
    h("a.btn.primary", { href: `${base}/follow-up`, id: "do-follow-up" }, t("followUp")),
    h("a.btn", { href: `${base}/stage`, id: "do-stage" }, t("stage")),
    h("a.btn.wide", { href: `${base}/ask`, id: "do-ask" }, t("askNumber"))) : null;
  // newest first: on a phone the latest contact is what the consultant looks for
  const events = [...c.timeline].sort((a, b) => b.seq - a.seq);
  const timeline = events.length
    ? h("ol.timeline", events.map((e) => h("li", { "data-seq": String(e.seq) },
      h("div.when", when(e.at), e.actor ? ` · ${e.actor}` : ""),
      h("div.what", h("strong", word("event", e.kind)), " ", e.text))))
    : h("p.empty", t("noTimeline"));
  return h("div",
    h("div.card", h("div.headline", shown(c)), h("div.phone", c.phone_masked)),
    actions, h("div.card", facts), h("h2", t("timeline")), h("div.card", timeline));
}

function choices(name, options, checked) {
  return h("div.choices", { role: "radiogroup" }, options.map(([value, label]) => h("label.choice",
    h("input", { type: "radio", name, value, checked: value === checked, required: true }),
    h("span", label))));
}

async function pageFollowUp(r) {
  const c = await api("GET", `/api/customers/${enc(r.id)}`);
  const note = h("textarea", { id: "note", name: "note", placeholder: t("notePh"), maxlength: "2000" });
  const form = h("form#follow-up");
  form.append(
    h("div.field", h("span.name", t("kind")),
      choices("kind", Object.keys(KINDS).map((k) => [k, KINDS[k][lang]]), "电话")),
    h("div.field", h("label.name", { for: "note" }, t("note")), note),
    h("button.btn.primary.block", { type: "submit" }, t("save")));
  form.addEventListener("submit", submitter(form, async () => {
    const kind = form.querySelector("input[name=kind]:checked")?.value || "电话";
    await api("POST", `/api/customers/${enc(c.id)}/follow-ups`, { kind, note: note.value.trim() });
    toast(t("saved"));
    location.hash = `#/customer/${enc(c.id)}`;
  }));
  return h("div", h("div.card", h("div.headline", shown(c)), h("div.phone", c.phone_masked)), form);
}

async function pageStage(r) {
  const c = await api("GET", `/api/customers/${enc(r.id)}`);
  const form = h("form#stage");
  form.append(
    h("div.field", h("span.name", t("chooseStage")),
      choices("stage", (c.stages || []).map((s) => [s, word("stage", s)]), c.stage)),
    h("button.btn.primary.block", { type: "submit" }, t("save")));
  form.addEventListener("submit", submitter(form, async () => {
    const stage = form.querySelector("input[name=stage]:checked")?.value;
    await api("POST", `/api/customers/${enc(c.id)}/stage`, { stage });
    toast(t("stageSaved"));
    location.hash = `#/customer/${enc(c.id)}`;
  }));
  return h("div", h("div.card", h("div.headline", shown(c)),
    h("div.sub", `${t("stageLabel")}: ${c.stage ? word("stage", c.stage) : t("noStage")}`)), form);
}

async function pageAsk(r) {
  const c = await api("GET", `/api/customers/${enc(r.id)}`);
  const reason = h("textarea", { id: "reason", name: "reason", placeholder: t("reasonPh"), required: true,
    maxlength: "500" });
  const form = h("form#ask");
  form.append(h("div.field", h("label.name", { for: "reason" }, t("reason")), reason),
    h("button.btn.primary.block", { type: "submit" }, t("send")));
  form.addEventListener("submit", submitter(form, async () => {
    await api("POST", `/api/customers/${enc(c.id)}/number-requests`, { reason: reason.value.trim() });
    toast(t("askSent"));
    location.hash = "#/numbers";
  }));
  return h("div", h("div.card", h("div.headline", shown(c)), h("div.phone", c.phone_masked)), form);
}

async function pagePool() {
  const pool = await api("GET", "/api/pool");
  const { claimed_today: used, limit } = pool.allowance;
  const left = limit === null || limit === undefined ? Infinity : limit - used;
  const head = h("div.card.allowance", { id: "allowance" }, h("span", t("allowance")),
    h("strong", t("allowanceOf", { a: used, b: limit ?? "∞" })));
  const rows = pool.rows.length ? h("ul.list", pool.rows.map((row) => {
    // the cool-down after this consultant lost or released the customer: the server would refuse
    const cooling = row.claimable_from && new Date(row.claimable_from).getTime() > Date.now();
    const button = h("button.btn.primary", { type: "button", "data-claim": String(row.id),
      disabled: left <= 0 || cooling }, t("claim"));
    const item = h("li", { "data-customer": String(row.id) }, h("div.row",
      h("div.top", h("span.who", shown(row)), h("span.when", row.phone_masked)),
      h("div.sub", [row.in_pool_since ? t("poolSince", { at: when(row.in_pool_since) }) : null,
        row.last_owner ? t("lastOwner", { who: row.last_owner }) : null].filter(Boolean).join(" · ")),
      cooling ? h("div.sub", t("coolDown", { at: when(row.claimable_from) })) : null,
      h("div.actions", h("span"), button)));
    button.addEventListener("click", async () => {
      button.disabled = true;
      item.querySelector(".alert")?.remove();
      try {
        await api("POST", `/api/pool/${enc(row.id)}/claim`);
        toast(t("claimed", { who: shown(row) }));
        render();
      } catch (error) {
        button.disabled = false;
        if (error.status !== 401) item.firstChild.append(alertBox(error.message));
      }
    });
    return item;
  })) : h("p.empty", t("poolEmpty"));
  return h("div", head, left <= 0 ? h("p.note", t("allowanceUsed")) : null, rows);
}

function requestCard(req, ...extra) {
  const status = h(`span.tag${req.status === "approved" ? ".ok" : req.status === "refused" ? ".warn" : ""}`,
    t(req.status));
  return h("li", { "data-request": String(req.id), "data-status": req.status }, h("div.row",
    h("div.top", h("span.who", shown(req)), status),
    // the masked number under the name, unless it already stands in for a missing name
    h("div.sub", req.surname_shown && req.phone_masked ? `${req.phone_masked} · ` : "",
      t("asked", { at: when(req.requested_at) })),
    session?.role === "manager" ? h("div.sub", t("askedBy", { who: req.consultant })) : null,
    req.reason ? h("div", `${t("reason")}: `, req.reason) : null,
    req.decided_by ? h("div.sub", t("decidedBy", { who: req.decided_by }),
      req.decision_reason ? ` · ${req.decision_reason}` : "") : null,
    ...extra));
}

async function pageNumbers() {
  const requests = await api("GET", "/api/number-requests");
  return h("ul#numbers.list", requests.length ? requests.map(numberItem) : h("li.empty", t("noRequests")));
}

function numberItem(req) {
  if (req.status !== "approved") return requestCard(req);
  const slot = h("div");
  const warning = h("p.note", t("onceOnly"));  // said before the tap, and again beside the number
  const button = h("button.btn.primary.block", { type: "button", "data-view": String(req.id) }, t("view"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const { phone } = await api("POST", `/api/number-requests/${enc(req.id)}/view`);
      // shown once, kept nowhere but this node: leaving the page forgets it
      button.remove();
      warning.remove();
      slot.replaceChildren(h("div.revealed", h("div.phone", { id: `phone-${req.id}` }, phone)),
        h("p.note", t("onceOnly")));
    } catch (error) {
      button.disabled = false;
      if (error.status !== 401) slot.replaceChildren(alertBox(error.message));
    }
  });
  return requestCard(req, warning, button, slot);
}

async function pageApprovals() {
  const requests = (await api("GET", "/api/number-requests?waiting=true")).filter((req) => req.status === "waiting");
  return h("ul#approvals.list", requests.length ? requests.map(approvalItem) : h("li.empty", t("noWaiting")));
}

function approvalItem(req) {
  const reason = h("textarea", { name: "decision_reason", placeholder: t("decisionReason"),
    "aria-label": t("decisionReason"), maxlength: "500" });
  const slot = h("div");
  const decide = (approve) => async (event) => {
    slot.replaceChildren();
    if (!reason.value.trim()) {  // the server requires a reason either way; say so before asking it
      slot.append(alertBox(t("reasonNeeded")));
      reason.focus();
      return;
    }
    const buttons = event.target.parentElement.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await api("POST", `/api/number-requests/${enc(req.id)}/decision`, { approve, reason: reason.value.trim() });
      toast(`${shown(req)}: ${t(approve ? "approved" : "refused")}`);
      const list = item.parentElement;  // only this card goes: other cards keep what is typed in them
      item.remove();
      if (list && !list.children.length) list.append(h("li.empty", t("noWaiting")));
    } catch (error) {
      buttons.forEach((b) => { b.disabled = false; });
      if (error.status !== 401) slot.replaceChildren(alertBox(error.message));
    }
  };
  const item = requestCard(req, h("div.field.decision", reason), slot,
    h("div.actions",
      h("button.btn.primary", { type: "button", "data-approve": String(req.id), onclick: decide(true) }, t("approve")),
      h("button.btn.danger", { type: "button", "data-refuse": String(req.id), onclick: decide(false) }, t("refuse"))));
  return item;
}

// ---- start ----------------------------------------------------------------------------------------
function signedOut() {
  session = null;
  stopLive();
  if (route().page !== "signin") location.hash = "#/signin";
}

async function start() {
  setLang(lang);
  document.getElementById("lang").addEventListener("click", () => { setLang(lang === "zh" ? "en" : "zh"); render(); });
  document.getElementById("signout").addEventListener("click", async () => {
    try { await api("DELETE", "/api/session"); } catch { /* signed out either way */ }
    signedOut();
    render();
  });
  window.addEventListener("hashchange", render);
  try {
    session = await api("GET", "/api/session");
    startLive();
  } catch {
    session = null;
  }
  render();
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});  // the pages work without it
  }
}

start();
