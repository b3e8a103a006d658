// 案场通 phone pages: one small single-page app over the site server's JSON API (docs/site-server.md):
// the router, the tab bar by role, the live feed, and the consultant's pages (the shared helpers are in
// core.js, the reception tablet in reception.js, the manager's pages in manager.js).
import { KINDS, DAY, HOUR, word, lang, t, setLang, h, when, shown, tag, session, setSession, hooks, enc,
  api, parse, toast, alertBox, submitter, choices, now } from "./core.js";
import { RECEPTION_PAGES, receptionTabs, onArrival } from "./reception.js";
import { MANAGER_PAGES, managerTabs } from "./manager.js";
import { CONSULTANT_PAGES, CONSULTANT_PARENTS } from "./consultant.js";

const UNOWNED = new Set(["pool", "none"]);
// "保护期剩 3 天": whole days rounded up, so "1 day" means before this time tomorrow
function protectionWords(until) {
  if (!until) return null;
  const left = new Date(until).getTime() - now();
  if (left <= 0) return { text: t("protOver"), tone: "warn" };
  if (left < DAY) return { text: t("protLeftHours", { n: Math.ceil(left / HOUR) }), tone: "warn" };
  const n = Math.ceil(left / DAY);
  return { text: n === 1 ? t("protLeftDay1") : t("protLeftDays", { n }), tone: n <= 3 ? "warn" : "ok" };
}

function followUpWords(due) {
  if (!due) return null;
  const left = new Date(due).getTime() - now();
  if (left <= 0) {
    const n = Math.floor(-left / DAY);
    return { text: n >= 1 ? t("fuLate", { n }) : t("fuLateToday"), tone: "warn" };
  }
  if (left < DAY) return { text: t("fuHours", { n: Math.ceil(left / HOUR) }), tone: "warn" };
  const n = Math.ceil(left / DAY);
  return { text: n === 1 ? t("fuDay1") : t("fuDays", { n }), tone: "" };
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
    // managers and reception get every arrival too: the reception queue takes in kiosk check-ins
    if (arrival && !session?.consultant) onArrival(arrival);
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
    api("GET", "/api/session").then((s) => { setSession(s); startLive(); }).catch((error) => {
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
// ---- chrome: header, tab bar, toast ---------------------------------------------------------------
function tabs() {
  if (session?.consultant) {
    return [["today", "tabToday"], ["customers", "tabCustomers"], ["appointments", "tabAppointments"],
      ["pool", "pool"], ["numbers", "tabNumbers"]];
  }
  if (session?.role === "manager") return managerTabs();
  if (session?.role === "receptionist") return receptionTabs();
  return [["customers", "tabCustomers"]];
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
  const parentTab = { customer: "customers", "follow-up": "customers", stage: "customers", ask: "customers",
    case: "cases", ...CONSULTANT_PARENTS };
  document.body.dataset.role = session?.role || "";
  nav.classList.toggle("many", (session ? tabs() : []).length >= 5);  // five tabs: a smaller label
  nav.replaceChildren(...(session ? tabs() : []).map(([page, key]) => h("a", {
    href: `#/${page}`, "data-tab": page,
    "aria-current": (parentTab[current] || current) === page ? "page" : null,
  }, h("span.dot"), h("span.label", t(key)))));
}
// ---- routes: #/page/id ----------------------------------------------------------------------------
function route() {
  const [page, id, sub] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (page === "customer" && sub) return { page: sub, id };
  return { page: page || "", id };
}

function home() {
  if (!session) return "#/signin";
  if (session.consultant) return "#/today";
  return { manager: "#/approvals", receptionist: "#/register" }[session.role] || "#/customers";
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
  ...RECEPTION_PAGES,
  ...MANAGER_PAGES,
  ...CONSULTANT_PAGES,
};

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
    setSession(await api("POST", "/api/session", { name: name.value.trim(), secret: secret.value }));
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
  // 申诉: a customer the consultant holds to be theirs is someone else's (or the pool's): not in this list
  const appeal = session?.consultant ? h("a.btn.block", { href: "#/appeal", id: "do-appeal" }, t("appealLink")) : null;
  return h("div", form, results, appeal);
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
    const cooling = row.claimable_from && new Date(row.claimable_from).getTime() > now();
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
  setSession(null);
  stopLive();
  if (route().page !== "signin") location.hash = "#/signin";
}

async function start() {
  hooks.signedOut = signedOut;
  hooks.render = render;
  setLang(lang);
  document.getElementById("lang").addEventListener("click", () => { setLang(lang === "zh" ? "en" : "zh"); render(); });
  document.getElementById("signout").addEventListener("click", async () => {
    try { await api("DELETE", "/api/session"); } catch { /* signed out either way */ }
    signedOut();
    render();
  });
  window.addEventListener("hashchange", render);
  try {
    setSession(await api("GET", "/api/session"));
    startLive();
  } catch {
    setSession(null);
  }
  render();
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});  // the pages work without it
  }
}

start();
