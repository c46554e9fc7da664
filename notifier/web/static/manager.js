// The parents' Notification Manager: phone, notification types and the prepaid SMS balance,
// per child, over /api/v1. The sign-in token arrives in the URL fragment, is kept in
// sessionStorage and is only ever sent in the Authorization header.
import { DICTIONARIES, LANGUAGES, translator } from "./i18n.js";

const TOKEN_KEY = "manager.token";
const LANG_KEY = "manager.lang";
// The notification types and their names come with the page, from the server's one list
// (notifier/notification_types.py): this file keeps no list of its own.
const SERVED = JSON.parse(document.getElementById("notification-types").textContent);
const TYPES = SERVED.types;
for (const lang of LANGUAGES) Object.assign(DICTIONARIES[lang], SERVED.texts[lang]);
// What one SMS of a type costs comes from the server (GET …/cost-hints: a typical SMS for
// this child, rendered by the same code as the real ones); the weekly digest's from its
// builder (POST /digest-preview), two parts until it answers.
const DIGEST_PARTS = 2;
const CURRENCY_SIGNS = { KZT: "₸", KGS: "сом" };
const AMOUNTS = { KZT: [500_00, 1000_00, 2000_00], KGS: [200_00, 500_00, 1000_00] };
const TOP_UP_TEXT = {
  succeeded: "topup_succeeded", failed: "topup_failed", expired: "topup_expired",
  refunded: "topup_refunded", partially_refunded: "topup_refunded",
};
// Statuses of an SMS that went out or is going (notifier/outbox): any other did not go out.
const ON_THE_WAY = ["queued", "sending", "sent"];
const RESEND_PAUSE_S = 30; // between codes the parent asks for, before the server's limit
const TOP_UP_CHECKS = 8; // about half a minute in all, backing off
const PAGE_SIZE = 10;
const TIMEOUT_MS = 20000;

const $ = (selector, root = document) => root.querySelector(selector);
const state = {
  token: null, lang: "ru", t: translator("ru"), cards: new Map(), balance: null, spending: null,
  perPhone: null,
};

class ApiError extends Error {
  constructor(status, code, message = "", details = null, retryAfter = 0) {
    super(message || code);
    Object.assign(this, { status, code, details, retryAfter });
  }
}

// ---- talking to the API ---------------------------------------------------------------

async function api(method, path, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  const headers = { Authorization: `Bearer ${state.token}`, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response, data;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal, cache: "no-store", credentials: "omit",
    });
    data = await response.json().catch(() => null);
  } catch {
    throw new ApiError(0, "network");
  } finally {
    clearTimeout(timer);
  }
  if (response.ok) return data;
  const error = data?.error ?? {};
  const retryAfter = Number(response.headers.get("Retry-After")) || 0;
  if (response.status === 401) endSession("session_expired");
  const code = error.code ?? "http_error";
  throw new ApiError(response.status, code, error.message, error.details, retryAfter);
}

/** What to tell the parent about a failed call: a dictionary key, or the server's words. */
function explain(error) {
  if (error.code === "invalid_phone") {
    const reason = error.details?.[0]?.reason;
    return reason ? { key: `err_${reason}` } : { text: error.message };
  }
  if (error.code === "wrong_code") {
    return { key: "err_wrong_code", values: { n: error.details?.attempts_left ?? 0 } };
  }
  const key = `err_${error.code}`;
  if (key in DICTIONARIES.ru) return { key, values: { time: duration(error.retryAfter) } };
  return error.message ? { text: error.message } : { key: "err_generic" };
}

// ---- messages, formatting ---------------------------------------------------------------

/** Show a message in an aria-live element; kept so a language switch can re-render it. */
function say(element, message, kind = "info") {
  element.message = { ...message, kind };
  renderSaid(element);
}

function renderSaid(element) {
  const message = element.message;
  element.hidden = !message;
  if (!message) return;
  element.textContent = message.key ? state.t(message.key, message.values) : message.text;
  element.dataset.kind = message.kind;
}

function hush(element) {
  element.message = null;
  element.textContent = "";
}

// Formatted here, not by Intl: browsers without full locale data would show "KZT 1,000".
function money(minor, currency, signed = false) {
  const abs = Math.abs(minor);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
  const cents = abs % 100 ? `,${String(abs % 100).padStart(2, "0")}` : "";
  const sign = minor < 0 ? "−" : signed && minor > 0 ? "+" : "";
  return `${sign}${whole}${cents}\u00a0${CURRENCY_SIGNS[currency] ?? currency}`;
}

function when(iso) {
  const at = new Date(iso);
  const two = (n) => String(n).padStart(2, "0");
  const day = `${two(at.getDate())}.${two(at.getMonth() + 1)}.${at.getFullYear()}`;
  return `${day} ${two(at.getHours())}:${two(at.getMinutes())}`;
}

function duration(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function prettyPhone(e164) {
  const kz = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(e164 ?? "");
  if (kz) return `+7 ${kz.slice(1).join(" ")}`;
  const kg = /^\+996(\d{3})(\d{3})(\d{3})$/.exec(e164 ?? "");
  return kg ? `+996 ${kg.slice(1).join(" ")}` : e164;
}

/** "1500", "1 500", "1500,50" -> minor units; null when it is not an amount. */
function parseAmount(text) {
  const match = /^(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(text.replace(/\s/g, ""));
  return match ? Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0")) : null;
}

/** Change a text only when it differs: live regions then announce real changes only. */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Run an action from `button`: busy while it runs, its failure said in `output`. */
async function busy(button, output, action, onError = () => {}) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  hush(output);
  try {
    await action();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status !== 401) say(output, explain(error), "error");
    onError(error);
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// ---- language ---------------------------------------------------------------------------

function stored(storage, key) {
  try { return storage.getItem(key); } catch { return null; }
}

function store(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, value);
  } catch {
    // storage refused (private mode): the page still works for this visit
  }
}

function initialLanguage() {
  const saved = stored(localStorage, LANG_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "ru";
}

function setLanguage(lang) {
  Object.assign(state, { lang, t: translator(lang) });
  document.documentElement.lang = lang;
  document.title = state.t("title");
  $("#lang").value = lang;
  for (const node of document.querySelectorAll("[data-i18n]")) {
    setText(node, state.t(node.dataset.i18n));
  }
  for (const node of document.querySelectorAll("[aria-live]")) if (node.message) renderSaid(node);
  state.cards.forEach(renderCard);
  renderBalance();
  renderSpending();
  pagers.messages.render();
}

// ---- signing in -------------------------------------------------------------------------

/** The token from `#token=...` (then removed from the address bar), else this tab's one. */
function takeToken() {
  const fresh = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fresh) {
    store(sessionStorage, TOKEN_KEY, fresh);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return fresh || stored(sessionStorage, TOKEN_KEY);
}

function showGate(key, retry = false) {
  const text = $("#gate-text");
  text.dataset.i18n = key;
  text.textContent = state.t(key);
  $("#gate").hidden = false;
  $("#gate-retry").hidden = !retry;
}

/** Nothing of the parent's stays on screen once the token is refused. */
function endSession(key) {
  store(sessionStorage, TOKEN_KEY, null);
  state.token = null;
  $("#app").hidden = true;
  $("#children").replaceChildren();
  state.cards.clear();
  showGate(key);
}

async function openManager() {
  showGate("checking");
  let children;
  try {
    children = (await api("GET", "/api/v1/children")).items;
  } catch (error) {
    if (error.status !== 401) showGate("load_failed", true);
    return;
  }
  $("#children").replaceChildren(...children.map((child, index) => addCard(child, index).root));
  if (!children.length) {
    const none = element("p", "card", state.t("no_children"));
    none.dataset.i18n = "no_children";
    $("#children").append(none);
  }
  await Promise.allSettled([loadBalance(), loadSpending(),
    ...[...state.cards.values()].map(loadSubscription)]);
  if (!state.token) return;
  setLanguage(state.lang);
  $("#gate").hidden = true;
  $("#app").hidden = false;
  state.cards.forEach(previewCost);
  pagers.statement.load(true);
  pagers.messages.load(true);
  const topUp = new URLSearchParams(location.search).get("top_up");
  if (topUp) followTopUp(topUp);
}

// ---- one child: phone, types, language, verification -------------------------------------

function addCard(child, index) {
  const root = $("#child-template").content.firstElementChild.cloneNode(true);
  for (const node of root.querySelectorAll("[id]")) node.id += `-${index}`;
  for (const node of root.querySelectorAll("label[for]")) node.htmlFor += `-${index}`;
  for (const node of root.querySelectorAll("[aria-describedby]")) {
    node.setAttribute("aria-describedby", `${node.getAttribute("aria-describedby")}-${index}`);
  }
  const part = (role) => $(`[data-role="${role}"]`, root);
  const card = {
    child, root, sub: null, preview: null, resendAt: 0, timer: null,
    msg: part("msg"), subscribe: part("subscribe"), verify: part("verify"),
    phone: $("input[type=tel]", root), code: $("input[name=code]", root),
    language: $("select[name=language]", root),
    perDay: $("select[name=grade_alerts_per_day]", root), latin: $("input[name=latin]", root), resend: part("resend"),
    box: (type) => $(`input[value="${type}"]`, root),
  };
  root.setAttribute("aria-label", child.first_name);
  card.subscribe.addEventListener("submit", (event) => save(card, event));
  card.verify.addEventListener("submit", (event) => confirmCode(card, event));
  card.resend.addEventListener("click", () => resend(card));
  card.language.addEventListener("change", () => previewCost(card));
  card.latin.addEventListener("change", () => renderCosts(card));
  card.perDay.addEventListener("change", () => renderCosts(card));
  card.box(gradeLimitType(card)).addEventListener("change", () => showGradeLimit(card));
  part("off-ask").addEventListener("click", () => askOff(card, true));
  part("off-no").addEventListener("click", () => askOff(card, false));
  part("off-yes").addEventListener("click", (event) => switchOff(card, event.currentTarget));
  state.cards.set(child.pupil_id, card);
  return card;
}

// The daily limit of instant grade SMS matters only to a parent who wants them; the page
// names the type the limit belongs to (data-for-type), so no type name is written here.
const gradeLimitType = (card) => $('[data-role="grade-limit"]', card.root).dataset.forType;

function showGradeLimit(card) {
  $('[data-role="grade-limit"]', card.root).hidden = !card.box(gradeLimitType(card)).checked;
}

const subscriptionPath = (card) =>
  `/api/v1/children/${encodeURIComponent(card.child.pupil_id)}/subscription`;

async function loadSubscription(card) {
  try {
    card.sub = await api("GET", subscriptionPath(card));
  } catch (error) {
    if (error.status !== 401) say(card.msg, explain(error), "error");
  }
  fillForm(card);
}

function fillForm(card) {
  const sub = card.sub;
  if (sub?.phone) card.phone.value = prettyPhone(sub.phone);
  for (const type of TYPES) card.box(type).checked = Boolean(sub?.types.includes(type));
  card.language.value = sub?.phone ? sub.language : state.lang;
  card.latin.checked = Boolean(sub?.latin);
  card.perDay.value = String(sub?.grade_alerts_per_day ?? 3);
  showGradeLimit(card);
  if (sub?.verification.status === "code_sent") {
    countdown(card, sub.verification.retry_after_seconds ?? 0);
  }
}

function renderCard(card) {
  const { child, sub, root } = card;
  const t = state.t;
  const part = (role) => $(`[data-role="${role}"]`, root);
  setText(part("name"), child.first_name);
  setText(part("school"), child.school_name ? t("class_school", child) : child.class_name);
  const phone = prettyPhone(sub?.phone)?.replaceAll(" ", "\u00a0"); // a number never wraps
  const chosen = TYPES.filter((type) => sub?.types.includes(type));
  const types = chosen.map((type) => t(`type_${type}`).toLowerCase()).join(", ");
  const on = Boolean(sub?.active && sub.phone);
  setText(part("state"), !on ? t("state_off")
    : sub.phone_verified ? t("state_on", { phone, types }) : t("state_unverified", { phone }));
  part("state").dataset.on = String(on && sub.phone_verified);
  card.verify.hidden = !(sub?.phone && sub.verification.status === "code_sent");
  setText(part("code-hint"), t("code_sent", { phone }));
  const wait = (card.resendAt - Date.now()) / 1000;
  setText(card.resend, wait > 0 ? t("resend_in", { time: duration(wait) }) : t("resend"));
  card.resend.disabled = wait > 0;
  part("off").hidden = !sub?.active;
  renderCosts(card);
}

function renderCosts(card) {
  const both = card.preview; // a typical week's digest, Cyrillic and Latin
  const preview = both && (card.latin.checked ? both.latin.cost : both.cyrillic.cost);
  const perPart = state.balance?.price_per_part ?? (preview && preview.price / preview.parts);
  const currency = state.balance?.currency ?? preview?.currency;
  for (const type of TYPES) {
    const sample = card.hints?.find((item) => item.type === type);
    const parts = preview?.parts || DIGEST_PARTS;
    const freq = state.t(`freq_${type}`);
    const price = sample ? money(sample.price, sample.currency)
      : type === SERVED.digest && perPart && currency ? money(parts * perPart, currency) : null;
    const hint = $(`#${card.box(type).getAttribute("aria-describedby")}`);
    setText(hint, price ? state.t("cost_each", { freq, price }) : freq);
  }
  // What the daily grade limit can cost at most: that many of the child's typical grade SMS.
  const grade = card.hints?.find((item) => item.type === gradeLimitType(card));
  const most = grade && money(Number(card.perDay.value) * grade.price, grade.currency);
  setText($('[data-role="grade-limit-cost"]', card.root),
    grade ? state.t("grade_limit_cost", { price: most }) : "");
  const price = preview && money(preview.price, preview.currency);
  setText($('[data-role="preview"]', card.root),
    preview ? state.t("preview", { parts: preview.parts, price }) : "");
  const [plain, latin] = both ? [both.cyrillic.cost, both.latin.cost] : [];
  setText($('[data-role="latin-hint"]', card.root), both ? state.t("latin_hint", {
    parts: plain.parts, price: money(plain.price, plain.currency),
    latin_parts: latin.parts, latin_price: money(latin.price, latin.currency),
  }) : "");
}

/** What a typical weekly digest for this child costs in the SMS language: the server builds
 * it with the digest's own builder, in Cyrillic and in Latin letters. */
async function previewCost(card) {
  const language = card.language.value;
  const body = { pupil_id: card.child.pupil_id, language };
  const hints = `/api/v1/children/${encodeURIComponent(card.child.pupil_id)}/cost-hints`;
  try {
    card.preview = await api("POST", "/api/v1/digest-preview", body);
  } catch {
    card.preview = null; // only a hint: the page works without it
  }
  try {
    card.hints = (await api("GET", `${hints}?language=${language}`)).items;
  } catch {
    card.hints = null;
  }
  renderBalance(); // the price may tell the currency before the first top-up; costs too
}

function invalid(card, input, key) {
  input.setAttribute("aria-invalid", "true");
  say(card.msg, { key }, "error");
  input.focus();
}

async function save(card, event) {
  event.preventDefault();
  const phone = card.phone.value.trim();
  const types = TYPES.filter((type) => card.box(type).checked);
  card.phone.removeAttribute("aria-invalid");
  if (!phone) return invalid(card, card.phone, "err_no_phone");
  if (!types.length) return invalid(card, card.box(TYPES[0]), "err_no_types");
  await busy(event.submitter ?? $("button", card.subscribe), card.msg, async () => {
    const language = card.language.value;
    const latin = card.latin.checked;
    const grade_alerts_per_day = Number(card.perDay.value);
    card.sub = await api("PUT", subscriptionPath(card), {
      phone, types, language, latin, grade_alerts_per_day,
    });
    fillForm(card);
    if (card.sub.verification.status === "code_sent") {
      countdown(card, Math.max(card.sub.verification.retry_after_seconds ?? 0, RESEND_PAUSE_S));
      // The code form says where the code went: saying it here too would say it twice.
      say(card.msg, { key: "saved" }, "ok");
      renderCard(card);
      card.code.focus();
    } else {
      say(card.msg, { key: "saved" }, "ok");
    }
    loadSpending(); // the month's forecast follows the types chosen
  }, (error) => {
    if (error.code === "invalid_phone") card.phone.setAttribute("aria-invalid", "true");
  });
  renderCard(card);
}

async function confirmCode(card, event) {
  event.preventDefault();
  const code = card.code.value.replace(/\D/g, "");
  card.code.removeAttribute("aria-invalid");
  if (code.length !== 6) return invalid(card, card.code, "err_no_code");
  await busy(event.submitter ?? $("button", card.verify), card.msg, async () => {
    await api("POST", "/api/v1/phone-verifications/confirm", { phone: card.sub.phone, code });
    card.sub = await api("GET", subscriptionPath(card));
    card.code.value = "";
    countdown(card, 0);
    say(card.msg, { key: "phone_confirmed" }, "ok");
    pagers.messages.load(true); // the code SMS is there now
    loadSpending(); // a verified phone's types now count in the forecast
  }, (error) => {
    if (error.code === "code_expired") countdown(card, 0);
    card.code.setAttribute("aria-invalid", "true");
    card.code.focus();
  });
  renderCard(card);
}

async function resend(card) {
  await busy(card.resend, card.msg, async () => {
    const { phone, language } = card.sub;
    await api("POST", "/api/v1/phone-verifications", { phone, language });
    countdown(card, RESEND_PAUSE_S);
    say(card.msg, { key: "code_resent" }, "ok");
  }, async (error) => {
    if (error.retryAfter) countdown(card, error.retryAfter);
    if (error.code === "already_verified") await loadSubscription(card);
  });
  renderCard(card);
}

/** Count down to when another code may be asked for; the button says how long. */
function countdown(card, seconds) {
  clearInterval(card.timer);
  card.resendAt = Date.now() + seconds * 1000;
  if (seconds > 0) {
    card.timer = setInterval(() => {
      if (Date.now() >= card.resendAt) clearInterval(card.timer);
      renderCard(card);
    }, 1000);
  }
}

function askOff(card, asking, focus = true) {
  const part = (role) => $(`[data-role="${role}"]`, card.root);
  part("off-ask").hidden = asking;
  part("off-confirm").hidden = !asking;
  if (focus) (asking ? part("off-yes") : part("off-ask")).focus();
}

async function switchOff(card, button) {
  await busy(button, card.msg, async () => {
    card.sub = await api("DELETE", subscriptionPath(card));
    fillForm(card);
    askOff(card, false, false);
    say(card.msg, { key: "unsubscribed" }, "ok");
    loadSpending();
    card.phone.focus(); // the switched-off controls are gone
  });
  renderCard(card);
}

// ---- balance and top-ups ------------------------------------------------------------------

async function loadBalance() {
  try {
    state.balance = await api("GET", "/api/v1/balance");
  } catch (error) {
    if (error.status !== 401) say($('#balance [data-role="msg"]'), explain(error), "error");
  }
  renderBalance();
}

/** The wallet's currency; before the first top-up, the saved phone's country's, else the
 * one the service prices SMS in for this parent. */
function topUpCurrency() {
  if (state.balance?.currency) return state.balance.currency;
  const cards = [...state.cards.values()];
  const phone = cards.map((card) => card.sub?.phone).find(Boolean);
  if (phone) return phone.startsWith("+996") ? "KGS" : "KZT";
  const priced = cards.find((card) => card.preview)?.preview.currency;
  return priced ?? (state.lang === "ky" ? "KGS" : "KZT");
}

function renderBalance() {
  const balance = state.balance;
  const currency = topUpCurrency();
  setText($("#bal-available"), money(balance?.available ?? 0, currency));
  setText($("#bal-held"), money(balance?.held ?? 0, currency));
  const covered = balance?.currency && balance.sms_parts_covered !== null;
  setText($("#bal-covers"), covered
    ? state.t("covers", { n: balance.sms_parts_covered }) : state.t("no_wallet"));
  const chosen = $("#amounts input:checked")?.value;
  const choices = AMOUNTS[currency].map((amount) => amountChoice(amount, currency, chosen));
  $("#amounts").replaceChildren(...choices);
  const sign = CURRENCY_SIGNS[currency];
  setText($("#amount-custom-label"), state.t("other_amount", { currency: sign }));
  state.cards.forEach(renderCosts);
}

function amountChoice(amount, currency, chosen) {
  const option = element("div", "amount");
  const input = Object.assign(element("input"), {
    type: "radio", name: "amount", id: `amount-${amount}`, value: String(amount),
  });
  input.checked = String(amount) === chosen;
  input.addEventListener("change", () => { $("#amount-custom").value = ""; });
  const label = Object.assign(element("label", "", money(amount, currency)), { htmlFor: input.id });
  option.append(input, label);
  return option;
}

function openTopUp() {
  const form = $("#topup-form");
  form.hidden = !form.hidden;
  $("#topup-open").setAttribute("aria-expanded", String(!form.hidden));
  if (!form.hidden) ($("#amounts input:checked") ?? $("#amounts input")).focus();
}

async function startTopUp(event) {
  event.preventDefault();
  const custom = $("#amount-custom");
  const output = $('#balance [data-role="msg"]');
  const picked = $("#amounts input:checked")?.value;
  const amount = custom.value.trim() ? parseAmount(custom.value) : Number(picked ?? 0);
  custom.removeAttribute("aria-invalid");
  if (!amount) {
    custom.setAttribute("aria-invalid", "true");
    say(output, { key: "err_bad_amount" }, "error");
    return custom.focus();
  }
  await busy(event.submitter ?? $("#topup-form button"), output, async () => {
    const topUp = await api("POST", "/api/v1/top-ups", { amount, currency: topUpCurrency() });
    const target = new URL(topUp.payment_url, location.href);
    if (!["https:", "http:"].includes(target.protocol)) throw new ApiError(0, "generic");
    location.assign(target.href);
  });
}

/** Back from the payment page: tell how it went once the gateway has told us. */
async function followTopUp(id) {
  const output = $("#topup-status");
  say(output, { key: "topup_checking" });
  history.replaceState(null, "", location.pathname); // a reload does not ask again
  let topUp = null;
  for (let check = 0; check < TOP_UP_CHECKS; check += 1) {
    try {
      topUp = await api("GET", `/api/v1/top-ups/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error.status === 401) return;
      if (error.status !== 0) return say(output, explain(error), "error");
    }
    if (topUp && !["created", "pending"].includes(topUp.status)) break;
    await sleep(1000 * 1.5 ** check);
  }
  const key = TOP_UP_TEXT[topUp?.status] ?? "topup_pending";
  const amount = topUp ? money(topUp.amount, topUp.currency) : "";
  say(output, { key, values: { amount } }, key === "topup_succeeded" ? "ok" : "info");
  await Promise.allSettled([loadBalance(), pagers.statement.load(true)]);
}

// ---- the month: spend, forecast, cap ----------------------------------------------------------

async function loadSpending() {
  const perPhone = loadPerPhone(); // its two prices follow the same subscriptions
  try {
    state.spending = await api("GET", "/api/v1/spending");
  } catch (error) {
    if (error.status !== 401) say($('#spending [data-role="msg"]'), explain(error), "error");
  }
  renderSpending();
  await perPhone;
}

function renderSpending() {
  renderPerPhone();
  const month = state.spending;
  if (!month) return;
  const sum = (minor) => money(minor, month.currency);
  setText($("#spent"), sum(month.spent));
  setText($("#cap-now"), month.monthly_cap === null ? state.t("no_cap") : sum(month.monthly_cap));
  const { cyrillic, latin } = month.forecast;
  setText($("#forecast"), cyrillic === latin ? state.t("forecast_one", { price: sum(cyrillic) })
    : state.t("forecast", { cyrillic: sum(cyrillic), latin: sum(latin) }));
  $("#cap-reached").hidden = !month.cap_reached;
  setText($("#cap-reached"), state.t("cap_reached"));
  setText($("#cap-label"), state.t("cap_label", { currency: CURRENCY_SIGNS[month.currency] }));
  const input = $("#cap-input");
  if (document.activeElement !== input) {
    input.value = month.monthly_cap === null ? "" : String(month.monthly_cap / 100);
  }
}

// One weekly SMS per phone: shown to a parent with two or more children on one phone.
async function loadPerPhone() {
  try {
    state.perPhone = await api("GET", "/api/v1/digest-per-phone");
  } catch (error) {
    if (error.status !== 401) say($('#spending [data-role="msg"]'), explain(error), "error");
  }
  renderPerPhone();
}

function renderPerPhone() {
  const option = state.perPhone;
  $("#per-phone").hidden = !option?.phones.length;
  if (!option?.phones.length) return;
  $("#per-phone-input").checked = option.per_phone;
  setText($("#per-phone-prices"), state.t("per_phone_prices", {
    separate: money(option.separate, option.currency), one: money(option.one_sms, option.currency),
  }));
}

async function savePerPhone() {
  const input = $("#per-phone-input");
  const output = $('#spending [data-role="msg"]');
  await busy(input, output, async () => {
    state.perPhone = await api("PUT", "/api/v1/digest-per-phone", { per_phone: input.checked });
    state.spending = await api("GET", "/api/v1/spending"); // the forecast follows the option
    renderSpending();
    say(output, { key: input.checked ? "per_phone_on" : "per_phone_off" }, "ok");
  });
}

async function saveCap(event) {
  event.preventDefault();
  const input = $("#cap-input");
  const output = $('#spending [data-role="msg"]');
  const text = input.value.trim();
  const cap = text ? parseAmount(text) : null;
  input.removeAttribute("aria-invalid");
  if (text && cap === null) {
    input.setAttribute("aria-invalid", "true");
    say(output, { key: "err_bad_amount" }, "error");
    return input.focus();
  }
  await busy(event.submitter ?? $("#cap-form button"), output, async () => {
    state.spending = await api("PUT", "/api/v1/spending/cap", { monthly_cap: cap });
    renderSpending();
    say(output, { key: cap === null ? "cap_lifted" : "cap_saved" }, "ok");
  });
}

// ---- statement and message history (paged) --------------------------------------------------

function pager(sectionId, path, query, renderItem) {
  const section = $(`#${sectionId}`);
  const [list, more, output] = ["list", "more", "msg"].map((r) => $(`[data-role="${r}"]`, section));
  let items = [];
  let cursor = null;
  const render = () => {
    const empty = element("li", "empty", state.t("empty"));
    list.replaceChildren(...(items.length ? items.map(renderItem) : [empty]));
    more.hidden = !cursor;
  };
  const load = async (reset) => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), ...query() });
    if (!reset && cursor) params.set("cursor", cursor);
    try {
      const page = await api("GET", `${path}?${params}`);
      items = reset ? page.items : items.concat(page.items);
      cursor = page.next_cursor;
      render();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status !== 401) say(output, explain(error), "error");
    }
  };
  more.addEventListener("click", () => busy(more, output, () => load(false)));
  return { load, render };
}

function statementLine(line) {
  const item = element("li");
  const sign = line.amount > 0 ? "plus" : "minus";
  item.append(
    element("span", "when", when(line.at)),
    element("span", "what", line.description || line.kind),
    element("span", `sum ${sign}`, money(line.amount, line.currency, true)),
  );
  return item;
}

function messageLine(message) {
  const item = element("li");
  // A weekly digest sent once per phone is about several children: name them all.
  const child = (message.pupil_ids?.length ? message.pupil_ids : [message.pupil_id])
    .map((id) => state.cards.get(id)?.child.first_name).filter(Boolean).join(", ");
  // What the parent paid (or is held while it goes), never the price of an SMS nobody paid.
  // One that never went out says so with its reason or status ("… not charged"): not twice.
  const paid = ["charged", "held"].includes(message.charge) && message.currency;
  const wentOut = ON_THE_WAY.includes(message.status);
  const cost = paid ? money(message.cost, message.currency)
    : message.charge === "not_charged" && !wentOut ? null : state.t(`charge_${message.charge}`);
  // The operator's final report, when it came, says more than "sent".
  // The service says why it waits (and until when) or why it did not arrive; else the status.
  const status = message.reason ?? state.t(message.delivery_status
    ? `delivery_${message.delivery_status}` : `status_${message.status}`);
  const parts = state.t("parts", { n: message.parts });
  item.append(
    element("span", "when", [when(message.created_at), child].filter(Boolean).join(" · ")),
    element("span", "what", message.text),
    element("span", "meta", [parts, cost, status].filter(Boolean).join(" · ")),
  );
  return item;
}

const pagers = {
  // Statement lines and message reasons come translated by the service.
  statement: pager("statement", "/api/v1/balance/statement", () => ({ language: state.lang }),
    statementLine),
  messages: pager("messages", "/api/v1/messages", () => ({ language: state.lang }), messageLine),
};

// ---- start ------------------------------------------------------------------------------------

function start() {
  setLanguage(initialLanguage());
  $("#lang").addEventListener("change", (event) => {
    store(localStorage, LANG_KEY, event.target.value);
    setLanguage(event.target.value);
    // Statement lines and message reasons are translated by the service: ask again.
    if (state.token && !$("#app").hidden) {
      pagers.statement.load(true);
      pagers.messages.load(true);
    }
  });
  $("#gate-retry").addEventListener("click", openManager);
  $("#topup-open").addEventListener("click", openTopUp);
  $("#topup-form").addEventListener("submit", startTopUp);
  $("#cap-form").addEventListener("submit", saveCap);
  $("#per-phone-input").addEventListener("change", savePerPhone);
  $("#amount-custom").addEventListener("input", () => {
    for (const radio of document.querySelectorAll("#amounts input")) radio.checked = false;
  });
  state.token = takeToken();
  if (state.token) openManager();
  else showGate("no_token");
}

start();
