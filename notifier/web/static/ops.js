// The ops console over /api/v1/ops. The token comes in the URL fragment (#token=..., never
// sent to a server) or is pasted into the sign-in form; it is kept for this tab only
// (sessionStorage) and sent in the Authorization header only. Data is always put on the
// page as text, never as HTML.

const TOKEN_KEY = "ops.token";
const REFRESH_MS = 15000;
const TIMEOUT_MS = 30000;
const $ = (selector) => document.querySelector(selector);
const state = { token: null, timer: null };

class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    Object.assign(this, { status, code });
  }
}

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
    throw new ApiError(0, "network", "The service did not answer. Try again.");
  } finally {
    clearTimeout(timer);
  }
  if (response.ok) return data;
  const error = data?.error ?? {};
  if (response.status === 401) signOut("The token was refused or has expired: sign in again.");
  throw new ApiError(response.status, error.code ?? "http_error", error.message);
}

// ---- small DOM helpers ------------------------------------------------------------------

function cell(value, className) {
  const td = document.createElement("td");
  td.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
  if (className) td.className = className;
  return td;
}

function row(...cells) {
  const tr = document.createElement("tr");
  tr.append(...cells.map((c) => (c instanceof Node ? c : cell(c))));
  return tr;
}

// Each cell carries its column's name: on a phone the rows stack and show it beside the value.
function label(table, rows) {
  const names = [...$(`${table} thead tr`).children].map((th) => th.textContent.trim());
  for (const tr of rows) [...tr.children].forEach((td, i) => { td.dataset.label = names[i]; });
  return rows;
}

function fill(table, rows, empty) {
  const body = $(`${table} tbody`);
  if (rows.length) return body.replaceChildren(...label(table, rows));
  const td = cell(empty, "empty");
  td.colSpan = $(`${table} thead tr`).children.length;
  body.replaceChildren(row(td));
}

function say(selector, text, error = false) {
  const el = $(selector);
  el.textContent = text;
  el.classList.toggle("error", error);
}

const when = (iso) => (iso ? new Date(iso).toLocaleString("en-GB", { hour12: false }) : null);
const money = (minor, currency) => `${(minor / 100).toFixed(2)} ${currency ?? ""}`.trim();
// Where an SMS's price went (README "What happened to an SMS").
const MONEY = {
  held: "held", charged: "charged", refunded: "refunded", released: "released",
  not_charged: "not charged", paid_by_house: "paid by the house",
};
const paid = (m) => (m.money === "paid_by_house" ? MONEY.paid_by_house
  : `${money(m.price, m.currency)} ${MONEY[m.money] ?? m.money}`);

function seconds(value) {
  if (value === null || value === undefined) return "nothing due";
  if (value < 120) return `${Math.round(value)} s`;
  if (value < 7200) return `${Math.round(value / 60)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

// ---- dashboard ----------------------------------------------------------------------------

function renderOverview(data) {
  const q = data.queue;
  $("#q-due").textContent = q.due;
  $("#q-later").textContent = q.later;
  $("#q-sending").textContent = q.sending;
  $("#q-doubt").textContent = q.in_doubt;
  $("#q-oldest").textContent = seconds(q.oldest_due_seconds);
  $("#q-oldest").classList.toggle("alarm", (q.oldest_due_seconds ?? 0) > 300);
  fill("#rates", data.rates.map((r) => row(r.provider, r.sent, r.parts, r.per_minute)),
    "Nothing sent in the last 5 minutes");
  fill("#failures", data.failures.map((f) => row(f.provider, f.error_class, f.count)),
    "No failures in the last hour");
  const items = Object.entries(data.breakers.states).map(([name, s]) => {
    const li = document.createElement("li");
    const label = document.createElement("span");
    label.className = `state-${s}`;
    label.textContent = s.replace("_", "-");
    li.append(`${name}: `, label);
    return li;
  });
  if (!items.length) items.push(Object.assign(document.createElement("li"),
    { textContent: data.breakers.note }));
  $("#breakers").replaceChildren(...items);
  $("#updated").textContent = `Updated ${when(data.generated_at)}`;
}

async function refresh() {
  try {
    renderOverview(await api("GET", "/api/v1/ops/overview"));
  } catch (error) {
    if (error.status !== 401) $("#updated").textContent = `Not updated: ${error.message}`;
  }
  await loadDeadLetters();
}

// ---- dead letters -------------------------------------------------------------------------

function reasons(latest) {
  const list = document.createElement("ol");
  list.className = "reasons";
  list.append(...latest.map((d) => Object.assign(document.createElement("li"),
    { textContent: `${d.reason}${d.failed_at ? ` (${when(d.failed_at)})` : ""}` })));
  const td = document.createElement("td");
  if (latest.length) td.append(list);
  else td.textContent = "—";
  return td;
}

function redriveButton(topic) {
  const td = document.createElement("td");
  if (!topic.waiting) return td;
  const button = Object.assign(document.createElement("button"), {
    type: "button", className: "danger", textContent: `Re-drive ${topic.topic}`,
  });
  button.addEventListener("click", () => redrive(topic, button));
  td.append(button);
  return td;
}

async function loadDeadLetters() {
  let data;
  try {
    data = await api("GET", "/api/v1/ops/dead-letters");
  } catch (error) {
    if (error.status !== 401) say("#dlq-msg", `Dead letters unknown: ${error.message}`, true);
    return;
  }
  fill("#dead-letters", data.topics.map((t) =>
    row(cell(t.topic), cell(t.waiting), reasons(t.latest), redriveButton(t))), "No topics");
}

async function redrive(topic, button) {
  const question = `Put ${topic.waiting} dead letter(s) back on ${topic.topic}?` +
    " They will be applied again (an event already applied stays applied once).";
  if (!confirm(question)) return;
  button.disabled = true;
  say("#dlq-msg", `Re-driving ${topic.topic}…`);
  try {
    const path = `/api/v1/ops/dead-letters/${encodeURIComponent(topic.topic)}/redrive`;
    const result = await api("POST", path, {});
    say("#dlq-msg", `Moved ${result.moved} dead letter(s) back to ${result.topic}.`);
  } catch (error) {
    say("#dlq-msg", `Re-drive failed: ${error.message}`, true);
  }
  await loadDeadLetters();
}

// ---- phone lookup -------------------------------------------------------------------------

function renderLookup(data) {
  fill("#subscriptions", data.subscriptions.map((s) => row(s.parent_id,
    `${s.pupil_name} (${s.pupil_id})`, s.types.join(", "), s.language, s.active ? "yes" : "no",
    cell(when(s.phone_verified_at) ?? "not verified", s.phone_verified_at ? "" : "alarm"))),
    "No subscription sends to this phone");
  fill("#wallets", data.wallets.map((w) =>
    row(w.parent_id, money(w.available, w.currency), money(w.held, w.currency))),
    "No wallet: never topped up");
  fill("#messages", data.messages.map((m) => row(when(m.created_at), m.kind,
    cell(m.outcome, `status-${m.outcome}`), m.parts, paid(m),
    m.provider ?? (m.in_doubt_provider ? `in doubt at ${m.in_doubt_provider}` : null),
    m.provider_message_id, m.last_error ?? m.delivery_detail, when(m.sent_at),
    when(m.delivery_reported_at))),
    "No messages to this phone");
  $("#lookup-result").hidden = false;
}

async function lookUp(event) {
  event.preventDefault();
  say("#lookup-msg", "Looking up…");
  $("#lookup-result").hidden = true;
  try {
    const data = await api("POST", "/api/v1/ops/phone-lookup", { phone: $("#phone").value });
    say("#lookup-msg", `Showing ${data.phone}.`);
    renderLookup(data);
  } catch (error) {
    say("#lookup-msg", error.message, true);
  }
}

// ---- signing in ---------------------------------------------------------------------------

function signOut(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  clearInterval(state.timer);
  $("#app").hidden = true;
  $("#sign-out").hidden = true;
  $("#gate").hidden = false;
  say("#gate-msg", message, Boolean(message));
}

async function open(token) {
  state.token = token;
  say("#gate-msg", "Checking the token…");
  try {
    renderOverview(await api("GET", "/api/v1/ops/overview"));
  } catch (error) {
    if (error.status !== 401) signOut(error.status === 403
      ? "This token does not carry the ops role." : error.message);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $("#gate").hidden = true;
  $("#app").hidden = false;
  $("#sign-out").hidden = false;
  await loadDeadLetters();
  state.timer = setInterval(refresh, REFRESH_MS);
}

function start() {
  const fresh = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fresh) history.replaceState(null, "", location.pathname + location.search);
  $("#sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    open($("#token").value.trim());
    $("#token").value = "";
  });
  $("#sign-out").addEventListener("click", () => signOut());
  $("#refresh").addEventListener("click", refresh);
  $("#lookup").addEventListener("submit", lookUp);
  const token = fresh || sessionStorage.getItem(TOKEN_KEY);
  if (token) open(token);
}

start();
