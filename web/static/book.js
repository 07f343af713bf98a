// The booking page and Telegram Mini App. It calls the public JSON API only (/api/...), so it
// is also the reference for a studio's own developers. No build step, no outside scripts:
// inside Telegram the initData and theme come from Telegram.WebApp when its script is there,
// else from the URL fragment Telegram opens the page with (#tgWebAppData=...).
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("config").textContent);
  const TEXTS = JSON.parse($("texts").textContent);
  const STORE = "studio.booking.";
  // Browsers that block a third party's storage (the page in another site's iframe) throw on
  // any use of it: the page then keeps what it needs in memory for as long as it is open.
  const memory = new Map();
  const storage = (kind) => {
    try {
      const store = window[kind];
      store.getItem("probe");
      return store;
    } catch (e) {
      return { getItem: (k) => (memory.has(k) ? memory.get(k) : null), setItem: (k, v) => memory.set(k, String(v)) };
    }
  };
  const local = storage("localStorage");
  const session = storage("sessionStorage");
  const state = { lang: "ru", halls: [], hall: null, month: null, days: {}, day: null,
    start: null, minutes: null, addons: {}, rules: null, poll: null, tick: null,
    quote: null, quoteError: null, quotedFor: "", quoteTimer: 0 };

  // ---------------------------------------------------------------- Telegram, if opened there
  const tg = (() => {
    const app = window.Telegram && window.Telegram.WebApp;
    const hash = new URLSearchParams(location.hash.slice(1));
    let initData = (app && app.initData) || hash.get("tgWebAppData") || "";
    if (initData) session.setItem(STORE + "tma", initData);
    else initData = session.getItem(STORE + "tma") || "";
    let theme = (app && app.themeParams) || null;
    if (!theme && hash.get("tgWebAppThemeParams")) {
      try { theme = JSON.parse(hash.get("tgWebAppThemeParams")); } catch (e) { theme = null; }
    }
    let user = null;
    try { user = JSON.parse(new URLSearchParams(initData).get("user") || "null"); } catch (e) { user = null; }
    if (app && app.ready) app.ready();
    return { initData, theme, user };
  })();
  if (tg.theme) {
    const map = { bg_color: "--bg", text_color: "--text", hint_color: "--hint", link_color: "--link",
      button_color: "--button", button_text_color: "--button-text", secondary_bg_color: "--secondary-bg" };
    document.documentElement.classList.add("tg");
    for (const [key, name] of Object.entries(map)) {
      if (/^#[0-9a-fA-F]{3,8}$/.test(tg.theme[key] || "")) document.documentElement.style.setProperty(name, tg.theme[key]);
    }
  }

  // ---------------------------------------------------------------- texts and formats
  const t = (key, vars = {}) => (TEXTS[state.lang][key] || key).replace(/\{(\w+)\}/g, (_, k) => (k in vars ? vars[k] : `{${k}}`));
  const rubles = (money) => Number(money.value).toLocaleString(state.lang === "ru" ? "ru-RU" : "en-GB", { maximumFractionDigits: 2 });
  const locale = () => (state.lang === "ru" ? "ru-RU" : "en-GB");
  // Hours as the language writes them: "1,5" in Russian, "1.5" in English.
  const hoursOf = (minutes) => (minutes / 60).toLocaleString(locale(), { maximumFractionDigits: 2 });
  const hallName = (hall) => (state.lang === "en" && hall.name_en) || hall.name;
  const hm = (iso) => iso.slice(11, 16);
  const pad = (n) => String(n).padStart(2, "0");
  const toMin = (s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  const dayLabel = (date, opts) => new Date(date + "T12:00:00Z").toLocaleDateString(locale(), { timeZone: "UTC", ...opts });
  function chooseLanguage() {
    const saved = local.getItem(STORE + "lang");
    if (saved && TEXTS[saved]) return saved;
    const wanted = (tg.user && tg.user.language_code) || (navigator.languages || [navigator.language])[0] || "ru";
    return wanted.toLowerCase().startsWith("ru") ? "ru" : "en";
  }
  function applyTexts() {
    document.documentElement.lang = state.lang;
    document.title = t("title");
    for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
    for (const el of document.querySelectorAll("[data-t-label]")) el.setAttribute("aria-label", t(el.dataset.tLabel));
    for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
    $("studio").textContent = (state.lang === "en" && config.studio.name_en) || config.studio.name;
    $("prepay-label").textContent = t("pay_prepay", { percent: config.prepayment_percent });
  }
  function setLanguage(lang) {
    state.lang = lang;
    local.setItem(STORE + "lang", lang);
    applyTexts();
    renderAll();
  }

  // ---------------------------------------------------------------- the API
  async function api(method, path, body, token) {
    const headers = { Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    if (tg.initData) headers.Authorization = `tma ${tg.initData}`;
    else if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error((data.error && data.error.message) || response.statusText);
      error.code = data.error && data.error.code;
      error.status = response.status;
      throw error;
    }
    return data;
  }
  function problem(error) {
    if (error.code && error.code.startsWith("init_data")) return t("init_data");
    if (error.code === "client_blocked" && config.studio_phone) return t("err_client_blocked_phone", { phone: config.studio_phone });
    if (error.code && TEXTS[state.lang][`err_${error.code}`]) return t(`err_${error.code}`);
    return t("error", { message: error.message });
  }
  function notice(text) {
    $("notice").hidden = !text;
    $("notice").textContent = text || "";
  }
  function show(id, on = true) { $(id).hidden = !on; }
  function focusHeading(id) { const h = $(id); if (h) { h.focus(); h.scrollIntoView({ block: "start" }); } }
  function button(text, onClick, attrs = {}) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) b.setAttribute(k, v);
    b.addEventListener("click", onClick);
    return b;
  }

  // ---------------------------------------------------------------- booking and paying
  async function submit(event) {
    event.preventDefault();
    const form = $("details");
    $("form-error").textContent = "";
    for (const id of ["name", "phone"]) {
      const input = $(id);
      input.setAttribute("aria-invalid", String(!input.value.trim()));
      if (!input.value.trim()) { $("form-error").textContent = `${t(id)}: ${t("required")}`; input.focus(); return; }
    }
    if (state.rules && !$("accept-rules").checked) {
      $("form-error").textContent = t("err_rules_not_accepted");
      $("accept-rules").focus();
      return;
    }
    const body = { ...choice(), client: { name: $("name").value.trim(), phone: $("phone").value.trim() }, language: state.lang };
    if (config.mail && $("email").value.trim()) body.client.email = $("email").value.trim();
    if (state.rules) body.accept_rules = true;
    const gateway = (form.elements.gateway && form.elements.gateway.value) || config.gateways[0];
    $("submit").disabled = true;
    try {
      const booking = await api("POST", "/api/bookings", body);
      local.setItem(STORE + booking.code, JSON.stringify({
        id: booking.id, token: booking.access_token, email: body.client.email || "", gateway, chat: Boolean(tg.initData) }));
      if (booking.status === "confirmed") {  // a promo code or certificate paid it all: no 0 ₽ payment
        location.assign(`/pay/return/${encodeURIComponent(booking.code)}`);
        return;
      }
      const payment = await api("POST", "/api/payments", { booking_id: booking.id, gateway }, booking.access_token);
      location.assign(payment.confirmation_url);
    } catch (error) {
      $("submit").disabled = false;
      if (error.code === "slot_taken" || error.code === "too_soon" || error.code === "in_past") await slotTaken();
      else if (error.code === "prepayment_not_allowed") fullOnly(error);
      else $("form-error").textContent = problem(error);
    }
  }
  function fullOnly(error) {
    // Past the studio's no-show limit: no prepayment is offered any more, only full payment.
    const prepay = document.querySelector('input[name="mode"][value="prepay"]');
    document.querySelector('input[name="mode"][value="full"]').checked = true;
    prepay.disabled = true;
    prepay.closest("label").hidden = true;
    if (state.minutes) renderSummary();
    $("form-error").textContent = problem(error);
  }
  async function slotTaken() {
    const wanted = toMin(state.start);
    const date = state.day;
    // The old starts stay shown while the days reload: one tapped meanwhile is the
    // visitor's choice now, drawn again with the fresh days, not replaced by the offer.
    const chosen = () => `${state.hall.id}:${state.day}T${state.start}`;
    const asked = chosen();
    delete state.days[monthKey()];
    await loadMonth();
    if (chosen() !== asked) {
      if (state.day && dayOf(state.day)) { renderStarts(); if (state.start) renderLengths(); }
      return;
    }
    const starts = ((dayOf(date) || {}).starts || []).slice()
      .sort((a, b) => Math.abs(toMin(a) - wanted) - Math.abs(toMin(b) - wanted)).slice(0, 4).sort();
    const box = document.createElement("div");
    box.className = "chips";
    for (const s of starts) box.append(button(s, () => { notice(""); pickDay(date); pickStart(s); }, { "data-start": s }));
    notice(`${t("taken")} ${starts.length ? t("nearest") : t("no_starts")}`);
    if (starts.length) $("notice").append(box);
    state.start = state.minutes = null;
    renderStarts();
    ["step-length", "step-guests", "step-addons", "details"].forEach((id) => show(id, false));
    $("notice").setAttribute("tabindex", "-1");
    $("notice").focus();
  }

  // ---------------------------------------------------------------- start
  // The page's parts are their own files, loaded before this one: the halls and calendar
  // (book-calendar.js), the summary and price (book-summary.js), the status page
  // (book-status.js), the waitlist (book-waitlist.js) and a pending change's payment
  // (book-change.js). Each gets what of the page it uses, and what it makes is added to it
  // for the parts after it.
  const page = { $, config, state, tg, t, rubles, locale, hoursOf, hm, pad, toMin, hallName, dayLabel, local,
    STORE, api, problem, notice, show, focusHeading, button };
  for (const part of ["calendar", "summary", "status"]) Object.assign(page, window.studioBooking[part](page));
  const wait = window.studioBooking.waitlist(page);
  const change = window.studioBooking.change(page);
  Object.assign(page, wait, change);
  const { loadHalls, renderHalls, monthKey, loadMonth, renderMonth, moveMonth, pickDay, dayOf, renderStarts,
    pickStart, renderLengths, renderAddons, renderRules, choice, renderSummary, renderGateways, showStatus,
    payAgain } = page;
  function renderAll() {
    if (config.code) { page.renderStatusPage(); return; }
    renderHalls();
    if (state.hall) renderMonth();
    if (state.day) { renderStarts(); wait.renderWaitDone(); }
    if (state.start) renderLengths();
    if (state.minutes) { renderAddons(); renderRules(); renderSummary(); renderGateways(); }
  }
  for (const b of document.querySelectorAll("[data-lang]")) b.addEventListener("click", () => setLanguage(b.dataset.lang));
  $("prev-month").addEventListener("click", () => moveMonth(-1));
  $("next-month").addEventListener("click", () => moveMonth(1));
  $("details").addEventListener("submit", submit);
  for (const id of ["guests", "promo"]) $(id).addEventListener("input", () => { if (state.minutes) renderSummary(); });
  $("guests").addEventListener("change", () => { if (state.hall && state.hall.capacity) $("guests").value = String(page.guests()); });
  for (const r of document.querySelectorAll('input[name="mode"]')) r.addEventListener("change", () => { if (state.minutes) renderSummary(); });
  $("status-pay").addEventListener("click", payAgain);
  $("wait-open").addEventListener("click", wait.openWait);
  $("wait-form").addEventListener("submit", wait.joinWait);
  $("change-pay").addEventListener("click", change.payChange);
  // A studio that sends no e-mail asks for no address it could not write to.
  for (const el of [$("email"), $("email-hint"), document.querySelector('label[for="email"]')]) el.hidden = !config.mail;
  state.lang = chooseLanguage();
  applyTexts();
  (config.code ? showStatus() : loadHalls()).catch((error) => notice(problem(error)));
})();
