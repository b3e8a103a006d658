// The reception tablet (receptionist, also a manager): 登记 a visitor at the desk, 待确认 the kiosk's
// check-ins (confirm, correct the number, void), 轮岗 the rotation with busy marks. Every write is the
// server's Desk's; a refusal is shown in the server's words.
import { addWords, h, t, when, shown, session, hooks, enc, api, toast, alertBox, submitter, choices }
  from "./core.js";

addWords({
  tabRegister: { zh: "登记", en: "Register" },
  register: { zh: "来访登记", en: "Register a visitor" },
  tabQueue: { zh: "待确认", en: "To confirm" },
  queue: { zh: "待确认登记", en: "Check-ins to confirm" },
  tabRotation: { zh: "轮岗", en: "Rotation" },
  rotation: { zh: "接待轮序", en: "Reception rotation" },
  phone: { zh: "手机号", en: "Mobile number" },
  phonePh: { zh: "11 位手机号", en: "11-digit mobile number" },
  callName: { zh: "称呼（选填）", en: "Name (optional)" },
  callNamePh: { zh: "例如：张女士", en: "e.g. Ms Zhang" },
  source: { zh: "来源", en: "Source" },
  chooseChannel: { zh: "渠道", en: "Channel" },
  chooseAgent: { zh: "经纪人", en: "Agent" },
  pick: { zh: "请选择", en: "Choose" },
  receiver: { zh: "接待顾问", en: "Consultant" },
  byRotation: { zh: "按轮序：{who}", en: "Rotation: {who}" },
  noneOnDuty: { zh: "无人值班", en: "Nobody on duty" },
  busyMark: { zh: "{who}（忙）", en: "{who} (busy)" },
  doRegister: { zh: "登记", en: "Register" },
  registered: { zh: "已登记 {phone}，由 {who} 接待", en: "Registered {phone}: {who} receives them" },
  noQueue: { zh: "没有待确认的登记", en: "No check-ins waiting" },
  checkedIn: { zh: "签到 {at}", en: "Checked in {at}" },
  again: { zh: "再次签到", en: "Checked in again" },
  arrivalOf: { zh: "同一到访共 {n} 次签到", en: "{n} check-ins of one arrival" },
  receivedBy: { zh: "接待：{who}", en: "Consultant: {who}" },
  viaChannel: { zh: "渠道：{channel} {agent}", en: "Channel: {channel} {agent}" },
  confirm: { zh: "确认", en: "Confirm" },
  confirmed: { zh: "已确认 {who}", en: "Confirmed {who}" },
  correct: { zh: "更正号码", en: "Fix number" },
  correctPh: { zh: "正确的手机号", en: "The right mobile number" },
  saveCorrect: { zh: "保存更正", en: "Save" },
  corrected: { zh: "号码已更正", en: "Number corrected" },
  dismiss: { zh: "误登记", en: "Void" },
  dismissSure: { zh: "确定作废 {phone} 的登记？", en: "Void the check-in of {phone}?" },
  dismissYes: { zh: "确定作废", en: "Void it" },
  cancel: { zh: "取消", en: "Cancel" },
  dismissed: { zh: "登记已作废", en: "Check-in voided" },
  newCheckin: { zh: "新签到：{who}", en: "New check-in: {who}" },
  nextUp: { zh: "下一位", en: "Next" },
  busy: { zh: "忙碌", en: "Busy" },
  free: { zh: "空闲", en: "Free" },
  setBusy: { zh: "设为忙碌", en: "Mark busy" },
  setFree: { zh: "设为空闲", en: "Mark free" },
  noRotation: { zh: "今日还没有排班", en: "Nobody is on duty today" },
  rotationHint: { zh: "忙碌的顾问跳过，下一位接待新客户", en: "Busy consultants are skipped: the next one takes the next walk-in" },
});

export const RECEPTION_PAGES = {
  register: { title: "register", show: pageRegister },
  queue: { title: "queue", show: pageQueue },
  rotation: { title: "rotation", show: pageRotation },
};

export function receptionTabs() {
  return [["register", "tabRegister"], ["queue", "tabQueue"], ["rotation", "tabRotation"]];
}

const option = (value, label, selected) => h("option", { value, selected: value === selected }, label);

// ---- 登记 ----------------------------------------------------------------------------------------------
let lastRegistered = null;

async function pageRegister() {
  const found = await api("GET", "/api/reception/choices");
  const phone = h("input", { type: "tel", id: "phone", name: "phone", inputmode: "numeric", autocomplete: "off",
    placeholder: t("phonePh"), required: true, maxlength: "20" });
  const name = h("input", { type: "text", id: "visitor-name", name: "name", autocomplete: "off",
    placeholder: t("callNamePh"), maxlength: "32" });
  const channel = h("select", { id: "channel", name: "channel" });
  const agent = h("select", { id: "agent", name: "agent" });
  const channelField = h("div.field", h("label.name", { for: "channel" }, t("chooseChannel")), channel);
  const agentField = h("div.field", h("label.name", { for: "agent" }, t("chooseAgent")), agent);
  const sources = found.sources.map((s) => [s.name, s.name]);
  const sourceBox = choices("source", sources, sources[0]?.[0]);
  const next = found.rotation.find((s) => s.is_next);
  const receivers = [["", next ? t("byRotation", { who: next.name }) : t("noneOnDuty")],
    ...found.rotation.map((s) => [s.name, s.busy ? t("busyMark", { who: s.name }) : s.name])];
  const receiverBox = choices("consultant", receivers, "");
  receiverBox.classList.add("wide-first");

  const source = () => found.sources.find((s) => s.name === sourceBox.querySelector("input:checked")?.value);
  const fillAgents = () => {
    const chosen = source()?.channel || channel.value;
    agent.replaceChildren(option("", t("pick"), ""), ...(found.channels[chosen] || []).map((a) => option(a, a)));
  };
  // the channel and agent rows only for a channel-led source; a fixed channel (全民经纪人) asks the agent only
  const showChannel = () => {
    const s = source();
    channelField.hidden = !(s?.registers_as === "channel" && !s.channel);
    agentField.hidden = s?.registers_as !== "channel";
    fillAgents();
  };
  channel.append(option("", t("pick"), ""), ...Object.keys(found.channels).map((c) => option(c, c)));
  channel.addEventListener("change", fillAgents);
  sourceBox.addEventListener("change", showChannel);
  showChannel();

  // the last registration stays in view (in the reader's language) until the next one
  const result = h("div#registered", lastRegistered ? h("div.note.done", t("registered",
    { phone: lastRegistered.phone_masked || "", who: lastRegistered.consultant || "—" })) : null);
  const form = h("form#register.tablet-form",
    h("div.column",
      h("div.field", h("label.name", { for: "phone" }, t("phone")), phone),
      h("div.field", h("label.name", { for: "visitor-name" }, t("callName")), name),
      h("div.field", h("span.name", t("source")), sourceBox), channelField, agentField),
    h("div.column",
      h("div.field", h("span.name", t("receiver")), receiverBox),
      h("button.btn.primary.block", { type: "submit" }, t("doRegister")), result));
  form.addEventListener("submit", submitter(form, async () => {
    const s = source();
    const channelled = s?.registers_as === "channel";
    const done = await api("POST", "/api/reception/visits", {
      phone: phone.value.trim(), name: name.value.trim(), source: s?.name || "",
      channel: channelled ? (s.channel || channel.value || null) : null,
      agent: channelled ? (agent.value || null) : null,
      consultant: form.querySelector("input[name=consultant]:checked")?.value || null });
    lastRegistered = done;
    toast(t("registered", { phone: done.phone_masked || "", who: done.consultant || "—" }));
    hooks.render();  // the rotation moved on: the next visitor's form starts fresh
  }));
  return form;
}

// ---- 待确认 --------------------------------------------------------------------------------------------
async function pageQueue() {
  const rows = await api("GET", "/api/reception/queue");
  return h("ul#queue.list.grid", rows.length ? rows.map(queueItem) : h("li.empty", t("noQueue")));
}

function queueItem(row) {
  const slot = h("div.slot");
  const act = (path, body, said) => async (event) => {
    event.preventDefault();  // the correction is a form: no native submit
    const buttons = item.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    slot.querySelector(".alert")?.remove();
    try {
      await api("POST", `/api/reception/checkins/${enc(row.visit_seq)}/${path}`, body?.());
      toast(said);
      hooks.render();  // an arrival's other check-ins leave the queue with it
    } catch (error) {
      buttons.forEach((b) => { b.disabled = false; });
      if (error.status !== 401) slot.prepend(alertBox(error.message));
    }
  };
  const openCorrect = () => {
    const phone = h("input", { type: "tel", name: "correct", inputmode: "numeric", placeholder: t("correctPh"),
      "aria-label": t("correctPh"), maxlength: "20" });
    slot.replaceChildren(h("form.correct", { onsubmit: act("correct", () => ({ phone: phone.value.trim() }),
      t("corrected")) }, phone,
    h("div.actions", h("button.btn", { type: "button", onclick: () => slot.replaceChildren() }, t("cancel")),
      h("button.btn.primary", { type: "submit", "data-save-correct": String(row.visit_seq) }, t("saveCorrect")))));
    phone.focus();
  };
  const askDismiss = () => slot.replaceChildren(h("div.note", t("dismissSure", { phone: row.phone_masked }),
    h("div.actions", h("button.btn", { type: "button", onclick: () => slot.replaceChildren() }, t("cancel")),
      h("button.btn.danger", { type: "button", "data-dismiss-yes": String(row.visit_seq),
        onclick: act("dismiss", null, t("dismissed")) }, t("dismissYes")))));
  const item = h("li", { "data-visit": String(row.visit_seq) }, h("div.row",
    h("div.top", h("span.who", shown(row)), h("span.when", t("checkedIn", { at: when(row.at) }))),
    h("div.sub", row.surname_shown ? row.phone_masked : null),
    row.arrival ? h("div.tags", h("span.tag", t("again")), h("span.tag", t("arrivalOf", { n: row.arrival_size })))
      : null,
    h("div.sub", [row.consultant ? t("receivedBy", { who: row.consultant }) : null,
      row.channel ? t("viaChannel", { channel: row.channel, agent: row.agent || "" }) : null]
      .filter(Boolean).join(" · ")),
    h("div.actions.three",
      h("button.btn.primary", { type: "button", "data-confirm": String(row.visit_seq),
        onclick: act("confirm", null, t("confirmed", { who: shown(row) })) }, t("confirm")),
      h("button.btn", { type: "button", "data-correct": String(row.visit_seq), onclick: openCorrect }, t("correct")),
      h("button.btn.danger", { type: "button", "data-dismiss": String(row.visit_seq), onclick: askDismiss },
        t("dismiss"))),
    slot));
  return item;
}

// a kiosk check-in while the queue is open: its card is added, the cards being worked on stay as they are
export async function onArrival(arrival) {
  const list = document.getElementById("queue");
  if (!list || !["receptionist", "manager", "admin"].includes(session?.role)) return;
  try {
    const rows = await api("GET", "/api/reception/queue");
    const fresh = rows.filter((r) => !list.querySelector(`[data-visit="${CSS.escape(String(r.visit_seq))}"]`));
    if (fresh.length) list.querySelector(".empty")?.remove();
    list.append(...fresh.map(queueItem));
    if (fresh.length) toast(t("newCheckin", { who: shown(arrival) }));
  } catch { /* the next visit to the page reads the queue again */ }
}

// ---- 轮岗 ----------------------------------------------------------------------------------------------
async function pageRotation() {
  const list = h("ol#rotation.list.grid");
  const paint = (slots) => list.replaceChildren(...(slots.length ? slots.map((s, i) => rotationItem(s, i, paint))
    : [h("li.empty", t("noRotation"))]));
  paint(await api("GET", "/api/reception/rotation"));
  return h("div", h("p.hint", t("rotationHint")), list);
}

function rotationItem(slot, index, paint) {
  const button = h(`button.btn${slot.busy ? ".primary" : ""}`, { type: "button", "data-busy": slot.name },
    t(slot.busy ? "setFree" : "setBusy"));
  const item = h("li", { "data-consultant": slot.name }, h(`div.row.slot-row${slot.is_next ? ".next" : ""}`,
    h("span.place", String(index + 1)),
    h("div.who-col", h("span.who", slot.name),
      h("div.tags", slot.is_next ? h("span.tag.ok", t("nextUp")) : null,
        h(`span.tag${slot.busy ? ".warn" : ""}`, t(slot.busy ? "busy" : "free")))),
    button));
  button.addEventListener("click", async () => {
    button.disabled = true;
    item.querySelector(".alert")?.remove();
    try {
      paint(await api("POST", `/api/reception/rotation/${enc(slot.name)}/busy`, { busy: !slot.busy }));
    } catch (error) {
      button.disabled = false;
      if (error.status !== 401) item.append(alertBox(error.message));
    }
  });
  return item;
}
