// The consultant's phone beyond app.js: 预约 (the day's appointments, booking one in the site's local time,
// its QR code to long-press and send to the customer, cancelling it) and 申诉 by the customer's number
// with up to four photos, downscaled here before they are sent. The server decides; its refusal is shown whole.
import { addWords, lang, h, t, shown, hooks, enc, api, toast, alertBox, submitter, choices, now, siteDay, siteClock,
  siteIso, HOUR, MINUTE } from "./core.js";

addWords({
  tabAppointments: { zh: "预约", en: "Bookings" },
  appointments: { zh: "我的预约", en: "My appointments" },
  appointment: { zh: "预约详情", en: "Appointment" },
  book: { zh: "新预约", en: "Book a visit" },
  dayLabel: { zh: "日期", en: "Day" },
  noAppointments: { zh: "这一天没有预约", en: "No appointments this day" },
  surname: { zh: "客户姓氏", en: "Surname" },
  surnamePh: { zh: "例如：张", en: "e.g. Zhang" },
  titleLabel: { zh: "称呼", en: "Title" },
  mr: { zh: "先生", en: "Mr" },
  ms: { zh: "女士", en: "Ms" },
  custPhone: { zh: "客户手机号", en: "Customer's mobile" },
  custPhonePh: { zh: "11 位手机号", en: "11-digit mobile number" },
  visitDay: { zh: "到访日期", en: "Day of the visit" },
  startsAt: { zh: "开始", en: "From" },
  endsAt: { zh: "结束", en: "Until" },
  siteTime: { zh: "按案场当地时间（UTC{off}）", en: "In the site's local time (UTC{off})" },
  doBook: { zh: "预约", en: "Book" },
  booked: { zh: "已预约", en: "Booked" },
  st_booked: { zh: "已预约", en: "Booked" },
  st_arrived: { zh: "已到访", en: "Arrived" },
  st_cancelled: { zh: "已取消", en: "Cancelled" },
  st_missed: { zh: "未到访", en: "Missed" },
  qrAlt: { zh: "预约二维码", en: "Appointment QR code" },
  qrNote: { zh: "长按二维码图片，发送给客户。客户到案场后在签到机上扫码签到。",
    en: "Long-press the QR code and send it to the customer: they scan it at the kiosk when they arrive." },
  codeIs: { zh: "预约码 {code}", en: "Code {code}" },
  cancelAppt: { zh: "取消预约", en: "Cancel the appointment" },
  cancelSure: { zh: "确定取消这个预约？二维码将失效。", en: "Cancel this appointment? Its QR code stops working." },
  cancelYes: { zh: "确定取消", en: "Yes, cancel it" },
  keepIt: { zh: "不取消", en: "Keep it" },
  cancelledToast: { zh: "预约已取消", en: "Appointment cancelled" },
  // 申诉
  appeal: { zh: "申诉", en: "Appeal" },
  appealLead: { zh: "认为别人名下或公海里的客户应归你？填写客户手机号和理由，经理判客。",
    en: "A customer of someone else's (or the pool's) you hold is yours? Give their number and why: a manager decides." },
  appealReason: { zh: "申诉理由", en: "Why the customer is yours" },
  appealReasonPh: { zh: "例如：客户上周由我带看，有微信聊天记录", en: "e.g. I showed them round last week: WeChat messages attached" },
  photos: { zh: "证据照片（最多 {n} 张）", en: "Photos of evidence (up to {n})" },
  addPhotos: { zh: "拍照或选择照片", en: "Take or choose photos" },
  removePhoto: { zh: "删除第 {n} 张照片", en: "Remove photo {n}" },
  tooManyPhotos: { zh: "最多 {n} 张照片", en: "At most {n} photos" },
  unreadable: { zh: "无法读取这张照片：{name}", en: "This photo cannot be read: {name}" },
  preparing: { zh: "正在处理照片…", en: "Preparing the photos…" },
  sendAppeal: { zh: "提交申诉", en: "Send the appeal" },
  appealSent: { zh: "申诉已提交，等待经理判客", en: "Appeal sent: a manager will decide" },
});

export const CONSULTANT_PAGES = {
  appointments: { title: "appointments", show: pageAppointments },
  book: { title: "book", show: pageBook, back: (r) => `#/appointments${r.id ? "/" + enc(r.id) : ""}` },
  appointment: { title: "appointment", show: pageAppointment, back: () => "#/appointments" },
  appeal: { title: "appeal", show: pageAppeal, back: () => "#/customers" },
};
// the tab each page belongs under
export const CONSULTANT_PARENTS = { book: "appointments", appointment: "appointments", appeal: "customers" };

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
// "12月8日 周二" / "Tue 8 Dec": the site's calendar day, never all digits
function dayWords(day) {
  const d = new Date(`${day}T12:00:00Z`);
  return new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB",
    { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" }).format(d);
}
const offsetText = () => siteIso("2000-01-01", "00:00").slice(19);  // "+08:00"
const span = (a) => `${siteClock(new Date(a.starts_at).getTime())}–${siteClock(new Date(a.ends_at).getTime())}`;
const statusTag = (status) => h(`span.tag${status === "booked" ? ".ok" : status === "missed" ? ".warn" : ""}`,
  t(`st_${status}`));

// ---- 预约 --------------------------------------------------------------------------------------------
async function pageAppointments(r) {
  const day = DAY_RE.test(r.id || "") ? r.id : siteDay();
  const rows = await api("GET", `/api/appointments?day=${enc(day)}`);
  const picker = h("input", { type: "date", id: "day", name: "day", value: day, "aria-label": t("dayLabel") });
  picker.addEventListener("change", () => { if (DAY_RE.test(picker.value)) location.hash = `#/appointments/${picker.value}`; });
  const list = rows.length ? h("ul#appointments.list", rows.map((a) => h("li", { "data-code": a.code, "data-status": a.status },
    h("a.row", { href: `#/appointment/${enc(a.code)}` },
      h("div.top", h("span.who", shown(a)), h("span.when", span(a))),
      h("div.tags", statusTag(a.status), h("span.tag", a.phone_masked))))))
    : h("p.empty", t("noAppointments"));
  return h("div",
    h("div.day-row", h("label.name", { for: "day" }, t("dayLabel")), picker),
    h("a.btn.primary.block", { href: `#/book/${enc(day)}`, id: "do-book" }, t("book")),
    h("h2", dayWords(day)), list);
}

function nextSlot() {
  // the next half hour at least 30 minutes away, on the server's clock
  const step = 30 * MINUTE;
  return Math.ceil((now() + 30 * MINUTE) / step) * step;
}

function pageBook(r) {
  const start = nextSlot();
  const chosenDay = DAY_RE.test(r.id || "") && r.id > siteDay(start) ? r.id : siteDay(start);
  const input = (type, id, attrs = {}) => h("input", { type, id, name: id, required: true, ...attrs });
  const surname = input("text", "surname", { maxlength: "20", autocomplete: "off", placeholder: t("surnamePh") });
  const phone = input("tel", "phone", { inputmode: "numeric", maxlength: "20", autocomplete: "off",
    placeholder: t("custPhonePh") });
  const day = input("date", "visit-day", { value: chosenDay, min: siteDay(), "data-field": "window" });
  const from = input("time", "starts_at", { value: siteClock(start), step: "300", "data-field": "window" });
  const until = input("time", "ends_at", { value: siteClock(start + HOUR), step: "300", "data-field": "window" });
  from.addEventListener("change", () => {  // the end follows the start, an hour later, until it is changed
    const [hh, mm] = from.value.split(":").map(Number);
    if (!Number.isNaN(hh) && !until.dataset.touched) {
      until.value = `${String(Math.min(hh + 1, 23)).padStart(2, "0")}:${String(mm).padStart(2, "0")}`;
    }
  });
  until.addEventListener("change", () => { until.dataset.touched = "1"; });
  const form = h("form#book",
    h("div.field", h("label.name", { for: "surname" }, t("surname")), surname),
    h("div.field", h("span.name", t("titleLabel")), choices("title", [["先生", t("mr")], ["女士", t("ms")]], "女士")),
    h("div.field", h("label.name", { for: "phone" }, t("custPhone")), phone),
    h("div.field", h("label.name", { for: "visit-day" }, t("visitDay")), day),
    h("div.field.times",
      h("div", h("label.name", { for: "starts_at" }, t("startsAt")), from),
      h("div", h("label.name", { for: "ends_at" }, t("endsAt")), until)),
    h("p.hint", t("siteTime", { off: offsetText() })),
    h("button.btn.primary.block", { type: "submit" }, t("doBook")));
  form.addEventListener("submit", submitter(form, async () => {
    const title = form.querySelector("input[name=title]:checked")?.value || "女士";
    const made = await api("POST", "/api/appointments", { surname: surname.value.trim(), title,
      phone: phone.value.trim(), starts_at: siteIso(day.value, from.value), ends_at: siteIso(day.value, until.value) });
    toast(t("booked"));
    location.hash = `#/appointment/${enc(made.code)}`;
  }));
  return form;
}

async function pageAppointment(r) {
  const a = await api("GET", `/api/appointments/${enc(r.id)}`);
  const head = h("div.card", { id: "appointment", "data-status": a.status },
    h("div.headline", shown(a)), h("div.phone", a.phone_masked),
    h("div", `${dayWords(siteDay(new Date(a.starts_at).getTime()))} ${span(a)}`),
    h("div.tags", statusTag(a.status), h("span.sub", t("codeIs", { code: a.code }))));
  if (a.status !== "booked") return h("div", head);
  const qr = h("div.qr", h("img#qr", { src: `/api/appointments/${enc(a.code)}/qr.png`, alt: t("qrAlt"),
    width: "290", height: "290" }));
  const slot = h("div");
  const cancel = h("button.btn.danger.block", { type: "button", id: "do-cancel" }, t("cancelAppt"));
  cancel.addEventListener("click", () => {
    const yes = h("button.btn.danger", { type: "button", id: "cancel-yes" }, t("cancelYes"));
    const no = h("button.btn", { type: "button" }, t("keepIt"));
    no.addEventListener("click", () => { slot.replaceChildren(); cancel.hidden = false; });
    yes.addEventListener("click", async () => {
      yes.disabled = no.disabled = true;
      try {
        await api("DELETE", `/api/appointments/${enc(a.code)}`);
        toast(t("cancelledToast"));
        hooks.render();
      } catch (error) {
        yes.disabled = no.disabled = false;
        if (error.status !== 401) slot.prepend(alertBox(error.message));
      }
    });
    cancel.hidden = true;
    slot.replaceChildren(h("p.note", t("cancelSure")), h("div.actions", no, yes));
  });
  return h("div", head, qr, h("p.note", t("qrNote")), cancel, slot);
}

// ---- 申诉 --------------------------------------------------------------------------------------------
const MAX_PHOTOS = 4, LONG_SIDE = 1600, QUALITY = 0.85;

// a photo as a JPEG data URL at most LONG_SIDE px on its long side (a phone's 12 MP photo is ~5 MB; this ~0.4 MB)
async function downscaled(file) {
  let picture;
  try {
    picture = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    // an older browser: through a data URL (the page's policy allows data: images, not blob:)
    const url = await new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
    picture = new Image();
    picture.src = url;
    await picture.decode();
  }
  const width = picture.width || picture.naturalWidth, height = picture.height || picture.naturalHeight;
  const scale = Math.min(1, LONG_SIDE / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";  // a transparent PNG's background, as JPEG has none
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(picture, 0, 0, canvas.width, canvas.height);
  picture.close?.();
  return canvas.toDataURL("image/jpeg", QUALITY);
}

function pageAppeal() {
  const photos = [];  // data URLs, in the order taken
  const phone = h("input", { type: "tel", id: "appeal-phone", name: "phone", inputmode: "numeric", required: true,
    maxlength: "20", autocomplete: "off", placeholder: t("custPhonePh") });
  const reason = h("textarea", { id: "appeal-reason", name: "reason", required: true, maxlength: "500",
    placeholder: t("appealReasonPh") });
  const picker = h("input.visually-hidden", { type: "file", id: "photos", name: "photos", accept: "image/*",
    capture: "environment", multiple: true });
  const previews = h("div#previews.previews");
  const photoSlot = h("div");
  const addButton = h("label.btn.block", { for: "photos", id: "add-photos" }, t("addPhotos"));
  const paint = () => {
    previews.replaceChildren(...photos.map((url, i) => h("div.preview",
      h("img", { src: url, alt: "" }),
      h("button.remove", { type: "button", "aria-label": t("removePhoto", { n: i + 1 }),
        onclick: () => { photos.splice(i, 1); paint(); } }, "×"))));
    addButton.hidden = photos.length >= MAX_PHOTOS;
  };
  picker.addEventListener("change", async () => {
    const files = [...picker.files];
    picker.value = "";  // the same photo may be chosen again after removing it
    photoSlot.replaceChildren(h("p.hint", t("preparing")));
    const problems = [];
    for (const file of files) {
      if (photos.length >= MAX_PHOTOS) { problems.push(t("tooManyPhotos", { n: MAX_PHOTOS })); break; }
      try {
        photos.push(await downscaled(file));
      } catch {
        problems.push(t("unreadable", { name: file.name }));
      }
    }
    photoSlot.replaceChildren(...problems.map((p) => alertBox(p)));
    paint();
  });
  const form = h("form#appeal",
    h("p.hint", t("appealLead")),
    h("div.field", h("label.name", { for: "appeal-phone" }, t("custPhone")), phone),
    h("div.field", h("label.name", { for: "appeal-reason" }, t("appealReason")), reason),
    h("div.field", h("span.name", t("photos", { n: MAX_PHOTOS })), previews, picker, addButton, photoSlot),
    h("button.btn.primary.block", { type: "submit" }, t("sendAppeal")));
  form.addEventListener("submit", submitter(form, async () => {
    await api("POST", "/api/appeals", { phone: phone.value.trim(), reason: reason.value.trim(), photos });
    toast(t("appealSent"));
    location.hash = "#/customers";
  }));
  paint();
  return form;
}
