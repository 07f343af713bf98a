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
  const FINAL = ["confirmed", "completed", "expired", "cancelled", "no_show"];
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

  // ---------------------------------------------------------------- halls
  async function loadHalls() {
    const data = await api("GET", "/api/halls");
    state.halls = data.halls;
    state.rules = data.rules || null;
    renderHalls();
    const wanted = state.halls.find((h) => h.slug === config.hall);
    if (wanted) pickHall(wanted, false);
  }
  function renderHalls() {
    const box = $("halls");
    box.replaceChildren();
    for (const hall of state.halls) {
      const card = document.createElement("article");
      card.className = "card" + (state.hall === hall ? " chosen" : "");
      const photo = (hall.photos || [])[0];
      if (photo) {
        const img = document.createElement("img");
        img.src = typeof photo === "string" ? photo : photo.url;
        img.alt = hallName(hall);
        img.loading = "lazy";
        card.append(img);
      }
      const h = document.createElement("h3");
      h.textContent = hallName(hall);
      const about = document.createElement("p");
      about.textContent = (state.lang === "en" && hall.description_en) || hall.description;
      const specs = document.createElement("p");
      specs.className = "specs";
      const bits = [t("from_price", { price: rubles(hall.hourly_price) }), t("min_length", { hours: hoursOf(hall.min_minutes) })];
      if (hall.capacity) bits.push(t("capacity", { count: hall.capacity }));
      // The numbers of the hall's specs; its words are the studio's, in Russian only.
      const specs_ = hall.specs || {};
      if (typeof specs_.area_m2 === "number") bits.push(t("spec_area", { value: specs_.area_m2.toLocaleString(locale()) }));
      if (typeof specs_.ceiling_m === "number") bits.push(t("spec_ceiling", { value: specs_.ceiling_m.toLocaleString(locale()) }));
      specs.textContent = bits.join(" · ");
      card.append(h, about, specs, button(t("book_this", { hall: hallName(hall) }), () => pickHall(hall, true),
        { "aria-pressed": String(state.hall === hall), "data-hall": hall.slug }));
      box.append(card);
    }
  }
  function pickHall(hall, focus) {
    state.hall = hall;
    state.days = {};
    state.day = state.start = state.minutes = null;
    state.addons = {};
    if (!state.month) state.month = { year: Number(config.today.slice(0, 4)), month: Number(config.today.slice(5, 7)) - 1 };
    renderHalls();
    show("step-day");
    ["step-time", "step-length", "step-guests", "step-addons", "details"].forEach((id) => show(id, false));
    loadMonth().then(() => focus && focusHeading("h-day"));
  }

  // ---------------------------------------------------------------- the month
  const pad = (n) => String(n).padStart(2, "0");
  const monthKey = () => `${state.hall.id}:${state.month.year}-${pad(state.month.month + 1)}`;
  async function loadMonth() {
    const { year, month } = state.month;
    const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const key = monthKey();
    if (!state.days[key]) {
      // Drawn at once, no day to pick until its days are in: the days still shown were
      // another month's or another hall's, and a day tapped there was looked up in this one.
      renderMonth();
      const data = await api("GET", `/api/bookings/availability?hall_id=${state.hall.id}` +
        `&start_date=${year}-${pad(month + 1)}-01&end_date=${year}-${pad(month + 1)}-${pad(last)}`);
      state.days[key] = Object.fromEntries(data.days.map((d) => [d.date, d]));
      if (key !== monthKey()) return;  // another month or hall chosen since: its own load draws it
    }
    renderMonth();
  }
  function renderMonth() {
    const { year, month } = state.month;
    const loading = !state.days[monthKey()];
    const days = state.days[monthKey()] || {};
    // "декабрь 2026" as a title: the month's name alone, capitalised, then the year.
    const name = new Date(Date.UTC(year, month, 15)).toLocaleDateString(locale(), { month: "long", timeZone: "UTC" });
    $("month-name").textContent = `${name[0].toUpperCase()}${name.slice(1)} ${year}`;
    const grid = $("calendar");
    grid.replaceChildren();
    if (loading) grid.setAttribute("aria-busy", "true");
    else grid.removeAttribute("aria-busy");
    const monday = new Date(Date.UTC(2024, 0, 1));
    for (let i = 0; i < 7; i++) {
      const wd = document.createElement("span");
      wd.className = "wd";
      wd.setAttribute("aria-hidden", "true");
      wd.textContent = new Date(monday.getTime() + i * 864e5).toLocaleDateString(locale(), { weekday: "short", timeZone: "UTC" });
      grid.append(wd);
    }
    const first = (new Date(Date.UTC(year, month, 1)).getUTCDay() + 6) % 7;
    for (let i = 0; i < first; i++) grid.append(document.createElement("span"));
    const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    for (let d = 1; d <= last; d++) {
      const date = `${year}-${pad(month + 1)}-${pad(d)}`;
      const day = days[date];
      const free = day && day.starts.length > 0;
      // A fully booked day stays selectable: it offers its waitlist.
      const full = Boolean(day && day.full) && canWait();
      const why = !day || !day.open ? t("day_closed") : free ? t("day_free") : full ? t("day_full_wait") : t("day_full");
      const label = dayLabel(date, { day: "numeric", month: "long", weekday: "long" });
      const b = button(String(d), () => pickDay(date), {
        "aria-label": loading ? label : `${label}: ${why}`,
        "data-date": date, "aria-pressed": String(state.day === date) });
      if (full) b.className = "full";
      else if (!free) b.disabled = true;
      grid.append(b);
    }
  }
  // A wait is told in the Telegram chat, or by e-mail on the web: not with no SMTP.
  const canWait = () => Boolean(tg.user || config.mail);
  function moveMonth(step) {
    const m = state.month.month + step;
    state.month = { year: state.month.year + Math.floor(m / 12), month: ((m % 12) + 12) % 12 };
    loadMonth();
  }

  // ---------------------------------------------------------------- starts and lengths
  function pickDay(date) {
    state.day = date;
    state.start = state.minutes = null;
    show("time-note", false);
    renderMonth();
    renderStarts();
    wait.resetWait();
    show("step-time");
    ["step-length", "step-guests", "step-addons", "details"].forEach((id) => show(id, false));
    focusHeading("h-time");
  }
  function dayOf(date) { return (state.days[`${state.hall.id}:${date.slice(0, 7)}`] || {})[date]; }
  function renderStarts() {
    const box = $("starts");
    box.replaceChildren();
    const day = dayOf(state.day);
    show("wait", Boolean(day && day.full) && canWait());
    if (!day || !day.starts.length) { box.textContent = t("no_starts"); return; }
    const groups = [["morning", (h) => h < 12], ["afternoon", (h) => h >= 12 && h < 17], ["evening", (h) => h >= 17]];
    for (const [name, fits] of groups) {
      const starts = day.starts.filter((s) => fits(Number(s.slice(0, 2))));
      if (!starts.length) continue;
      const group = document.createElement("div");
      group.className = "group";
      group.setAttribute("role", "group");
      const h = document.createElement("h3");
      h.id = `g-${name}`;
      h.textContent = t(name);
      group.setAttribute("aria-labelledby", h.id);
      const chips = document.createElement("div");
      chips.className = "chips";
      for (const s of starts) chips.append(button(s, () => pickStart(s), { "aria-pressed": String(state.start === s), "data-start": s }));
      group.append(h, chips);
      box.append(group);
    }
  }
  function pickStart(start) {
    state.start = start;
    state.minutes = null;
    renderStarts();
    renderLengths();
    show("step-length");
    focusHeading("h-length");
  }
  function maxMinutes() {
    const day = dayOf(state.day);
    if (!day) return state.hall.min_minutes;  // its days reloading: the rest once they are in
    const startIso = `${state.day}T${state.start}`;
    const gap = day.free.find((f) => f.start.slice(0, 16) <= startIso && startIso < f.end.slice(0, 16));
    if (!gap) return state.hall.min_minutes;
    const endsAtClose = day.close && gap.end === day.close;
    const room = (Date.parse(gap.end) - Date.parse(gap.start)) / 6e4 -
      (Date.parse(`${startIso}:00${gap.start.slice(19)}`) - Date.parse(gap.start)) / 6e4;
    return room - (endsAtClose ? 0 : state.hall.buffer_minutes);
  }
  function renderLengths() {
    const box = $("lengths");
    box.replaceChildren();
    const most = Math.min(maxMinutes(), 12 * 60);
    for (let m = state.hall.min_minutes; m <= most; m += m < 180 ? 30 : 60) {
      box.append(button(t("hours_short", { hours: hoursOf(m) }),
        () => pickLength(m), { "aria-pressed": String(state.minutes === m), "data-minutes": String(m) }));
    }
  }
  function pickLength(minutes) {
    state.minutes = minutes;
    renderLengths();
    const hall = state.hall;
    show("step-guests", Boolean(hall.capacity));
    if (hall.capacity) {
      $("guests").max = hall.capacity;
      if (!$("guests").value) $("guests").value = hall.included_guests || 1;
    }
    state.addonFree = {};
    state.quote = null;  // the last price was another slot's
    state.quoteError = null;
    renderAddons();
    show("step-addons", Boolean(hall.addons && hall.addons.length));
    if (hall.addons && hall.addons.length) loadAddonStock();
    show("step-promo", "addons" in hall);
    renderRules();
    renderSummary();
    renderGateways();
    show("details");
    if (tg.user && !$("name").value) $("name").value = [tg.user.first_name, tg.user.last_name].filter(Boolean).join(" ");
    focusHeading(hall.capacity ? "h-guests" : hall.addons && hall.addons.length ? "h-addons" : "h-contacts");
  }

  async function freedMeanwhile(date) {
    // A start freed while the visitor read the offer: the day's starts instead.
    delete state.days[monthKey()];
    await loadMonth();
    pickDay(date);
    $("time-note").textContent = t("freed_meanwhile");
    show("time-note");
    $("time-note").setAttribute("tabindex", "-1");
    $("time-note").focus();
  }

  // ---------------------------------------------------------------- guests, add-ons, rules
  function renderAddons() {
    // Drawn once per hall and updated in place after: the stock figures may arrive while
    // the visitor is typing in a field, which must keep its focus and what was typed.
    const box = $("addons");
    const addons = state.hall.addons || [];
    if (box.dataset.hall !== String(state.hall.id) || box.children.length !== addons.length) {
      box.replaceChildren();
      box.dataset.hall = String(state.hall.id);
      for (const addon of addons) {
        const row = document.createElement("div");
        row.className = "addon";
        const label = document.createElement("label");
        label.htmlFor = `addon-${addon.id}`;
        const input = document.createElement("input");
        input.id = label.htmlFor;
        input.type = "number";
        input.min = "0";
        input.dataset.addon = addon.id;
        input.addEventListener("input", () => { state.addons[addon.id] = Math.max(0, Number(input.value) || 0); renderSummary(); });
        row.append(label, input);
        box.append(row);
      }
    }
    addons.forEach((addon, i) => {
      const [label, input] = box.children[i].children;
      const title = (state.lang === "en" && addon.title_en) || addon.title;
      label.textContent = `${title} — ${t(`addon_per_${addon.per}`, { price: rubles(addon.price) })}`;
      const free = (state.addonFree || {})[addon.id];
      const most = Math.min(addon.max_quantity || 1, free === undefined ? Infinity : free);
      input.max = String(most);
      if ((state.addons[addon.id] || 0) > most) state.addons[addon.id] = most;
      const chosen = String(state.addons[addon.id] || 0);
      if (input.value !== chosen) input.value = chosen;
      input.disabled = most === 0;
      if (most === 0) label.textContent += ` (${t("addon_taken")})`;
    });
  }
  async function loadAddonStock() {
    // Add-ons the studio has few of (light kits) may be taken for this time in another hall.
    const [start, end] = span();
    // The hall too: the same time picked in another hall meanwhile is another choice.
    const chosen = () => `${state.hall.id}:${state.day}T${state.start}/${state.minutes}`;
    const asked = chosen();
    try {
      const data = await api("GET", `/api/addons/availability?hall_id=${state.hall.id}` +
        `&start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`);
      if (asked !== chosen()) return;  // chosen again since
      state.addonFree = Object.fromEntries(data.addons.map((a) => [a.id, a.available]));
      renderAddons();
      renderSummary();
    } catch (error) {
      // Without the figures the add-ons stay as offered; the booking itself is checked anyway.
    }
  }
  function renderRules() {
    const rules = state.rules;
    show("step-rules", Boolean(rules));
    if (!rules) return;
    const text = (state.lang === "en" && rules.text_en) || rules.text || "";
    const box = $("rules-text");
    box.textContent = text;
    if (rules.url) {
      const a = document.createElement("a");
      a.href = rules.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = t("rules_link");
      box.append(text ? " " : "", a);
    }
  }

  // ---------------------------------------------------------------- the summary
  // The price is the server's (POST /api/bookings/quote), priced as the booking will be:
  // guests, add-ons and the promo code's discount included. Asked again, a moment after the
  // last change, whenever the choice changes.
  const toMin = (s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  function choice() {
    // What the visitor has chosen, as the API takes it; the booking adds who books.
    const [start, end] = span();
    const body = { hall_id: state.hall.id, start, end, payment_mode: $("details").elements.mode.value };
    if (state.hall.capacity) body.guests = Number($("guests").value) || undefined;
    const addons = Object.entries(state.addons).filter(([, q]) => q > 0).map(([id, quantity]) => ({ id, quantity }));
    if (addons.length) body.addons = addons;
    // One field for a promo code or a gift certificate's code: the API tells them apart
    // (a certificate's code in `promo_code` is taken as `certificate_code`), as the bot does.
    if ($("promo").value.trim()) body.promo_code = $("promo").value.trim();
    return body;
  }
  function requote() {
    clearTimeout(state.quoteTimer);
    state.quoteTimer = setTimeout(loadQuote, 300);
  }
  async function loadQuote() {
    if (!state.minutes) return;
    const body = choice();
    const asked = JSON.stringify(body);
    state.quotedFor = asked;
    let quote = null;
    let refused = null;
    try {
      quote = await api("POST", "/api/bookings/quote", body);
    } catch (error) {
      refused = error;
      if (codeRefused(error) && body.promo_code) {
        // The code is refused at its field; the price shown is the one without it.
        delete body.promo_code;
        quote = await api("POST", "/api/bookings/quote", body).catch(() => null);
      }
    }
    if (asked !== state.quotedFor) return;  // chosen again since
    state.quote = quote;
    state.quoteError = refused;
    renderSummary();
  }
  function line(label, value, cls) {
    const p = document.createElement("p");
    if (cls) p.className = cls;
    const a = document.createElement("span");
    a.textContent = label;
    const b = document.createElement("span");
    b.textContent = value;
    p.append(a, b);
    return p;
  }
  function renderSummary() {
    if (!state.minutes) return;
    if (JSON.stringify(choice()) !== state.quotedFor) requote();
    const end = addMinutes(state.start, state.minutes);
    const when = t("when", { day: dayLabel(state.day, { day: "numeric", month: "long", weekday: "short" }), start: state.start, end });
    const lines = [line(hallName(state.hall), when)];
    const { quote, quoteError: error } = state;
    const promoRefused = codeRefused(error);
    $("promo-error").textContent = promoRefused ? problem(error) : "";
    $("promo").setAttribute("aria-invalid", String(promoRefused));
    if (error && !promoRefused) {
      lines.push(line(problem(error), "", "error"));
    } else if (quote) {
      // The price, then what a gift certificate pays of it and what is left.
      const title = (l) => (state.lang === "en" && l.title_en) || l.title;
      const own = quote.price_lines.filter((l) => l.kind !== "certificate");
      for (const l of own) lines.push(line(title(l), `${rubles(l.amount)} ₽`));
      lines.push(line(t("total"), `${rubles(quote.total)} ₽`, "sum"));
      const spent = quote.price_lines.filter((l) => l.kind === "certificate");
      for (const l of spent) lines.push(line(title(l), `${rubles(l.amount)} ₽`, "certificate"));
      if (spent.length) {
        const left = Number(quote.total.value) - Number(quote.certificate_paid.value);
        lines.push(line(t("left_to_pay"), `${rubles({ value: left })} ₽`, "sum"));
      }
    }
    // Nothing left to pay: no payment choices, and the booking is confirmed at once.
    const covered = Boolean(quote && !promoRefused && Number(quote.due_now.value) === 0 && Number(quote.certificate_paid.value) > 0);
    if (covered) lines.push(line(t("covered"), "", "covered"));
    $("summary").replaceChildren(...lines);
    show("pay-mode", !covered);
    show("pay-with", !covered && config.gateways.length > 0);
    $("submit").textContent = t(covered ? "to_book" : "to_payment");
  }
  function codeRefused(error) {
    // A promo code or a gift certificate refused: said at the code's field.
    return Boolean(error && error.code && /^(promo|certificate)_/.test(error.code));
  }
  function addMinutes(hhmm, minutes) {
    const m = toMin(hhmm) + minutes;
    return `${pad(Math.floor(m / 60) % 24)}:${pad(m % 60)}`;
  }
  function renderGateways() {
    const chosen = $("details").elements.gateway;
    gatewayChoice($("gateways"), "gateway", (chosen && chosen.value) || config.gateways[0]);
  }
  function gatewayChoice(box, name, fallback) {
    // The gateways as radio buttons named `name`, drawn once and updated in place after:
    // the status page draws again every 2 s, and the one the visitor is on keeps its check
    // and its focus.
    if (box.children.length !== config.gateways.length) {
      box.replaceChildren();
      config.gateways.forEach((g) => {
        const label = document.createElement("label");
        label.className = "check";
        const input = document.createElement("input");
        input.type = "radio";
        input.name = name;
        input.value = g;
        label.append(input, document.createElement("span"));
        box.append(label);
      });
    }
    const names = { yookassa: state.lang === "en" ? "YooKassa" : "ЮKassa", tinkoff: state.lang === "en" ? "T-Bank" : "Т-Банк",
      sberpay: "SberPay", mock: t("gateway_mock") };
    const checked = box.querySelector("input:checked");
    for (const [input, span] of Array.from(box.children, (label) => label.children)) {
      span.textContent = names[input.value] || input.value;
      if (!checked) input.checked = input.value === fallback;
    }
  }

  // ---------------------------------------------------------------- booking and paying
  function offsetOf(date) {
    const day = dayOf(date);
    const sample = (day && (day.open || (day.free[0] && day.free[0].start))) || "";
    return sample.length >= 25 ? sample.slice(19) : "+03:00";
  }
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
  function span() {
    // The chosen start and end as the API takes them: ISO times with the studio's offset.
    const offset = offsetOf(state.day);
    const start = `${state.day}T${state.start}:00${offset}`;
    return [start, isoIn(new Date(Date.parse(start) + state.minutes * 6e4), offset)];
  }
  function isoIn(date, offset) {
    const sign = offset[0] === "-" ? -1 : 1;
    const shift = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
    const local = new Date(date.getTime() + shift * 6e4);
    return local.toISOString().slice(0, 19) + offset;
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

  // ---------------------------------------------------------------- the status page
  function kept(code) { try { return JSON.parse(local.getItem(STORE + code) || "null"); } catch (e) { return null; } }
  // The booking this browser made (its token kept), or in the Mini App any booking of the
  // Telegram user, one made with the bot too: the API knows its owner by the initData.
  function whose(code) {
    return kept(code) || (tg.initData && config.booking_id ? { id: config.booking_id, token: "", chat: true } : null);
  }
  function unknown() {
    $("status-state").textContent = t("unknown_booking");
    $("status-where").textContent = t("goes_to_chat");
  }
  async function showStatus() {
    show("booking", false);
    show("status");
    const mine = whose(config.code);
    $("status-title").textContent = t("status_title", { code: config.code });
    if (!mine) { unknown(); return; }
    const booking = await api("GET", `/api/bookings/${mine.id}`, null, mine.token).catch((error) => {
      if (error.code === "booking_not_found") return null;  // not this user's: as unknown
      throw error;
    });
    if (!booking) { unknown(); return; }
    if (booking.change && booking.change.kind === "reschedule" && !state.halls.length) {
      state.halls = (await api("GET", "/api/halls").catch(() => ({ halls: [] }))).halls;
    }
    const checking = change.settleChange(booking, mine);
    renderStatus(booking, mine);
    if (!FINAL.includes(booking.status) || checking) {
      clearTimeout(state.poll);
      state.poll = setTimeout(showStatus, 2000);
    }
  }
  function renderStatus(booking, mine) {
    state.booking = booking;
    state.mine = mine;
    const s = $("status-state");
    s.textContent = t(`status_${booking.status}`);
    s.className = `state ${booking.status}`;
    s.dataset.status = booking.status;
    const start = booking.start.slice(11, 16);
    $("status-when").textContent = t("when", { day: dayLabel(booking.start.slice(0, 10), { day: "numeric", month: "long", weekday: "short" }), start, end: hm(booking.end) });
    const lines = (booking.price_lines || []).map((l) => line((state.lang === "en" && l.title_en) || l.title, `${rubles(l.amount)} ₽`));
    lines.push(line(t("total"), `${rubles(booking.total)} ₽`, "sum"));
    $("status-lines").replaceChildren(...lines);
    // The bot's own sentence (i18n/paid.py), which the booking carries in both languages.
    $("status-paid").textContent = (state.lang === "en" ? booking.paid_text_en : booking.paid_text) || "";
    $("status-where").textContent = mine.chat || booking.source === "telegram" ? t("goes_to_chat")
      : mine.email ? t("goes_to_email", { email: mine.email }) : t("goes_nowhere");
    $("status-pay").hidden = booking.status !== "pending_payment";
    const ics = $("status-ics");
    ics.hidden = booking.status !== "confirmed"; // a hold may still lapse
    ics.href = "data:text/calendar;charset=utf-8," + encodeURIComponent(icsOf(booking));
    ics.download = `booking-${booking.code}.ics`;
    change.renderChange(booking);
    clearInterval(state.tick);
    const left = $("status-left");
    left.textContent = "";
    const lapses = booking.status === "expired" ? booking.hold_lapsed_at : booking.hold_expires_at;
    if (lapses && (booking.status === "pending_payment" || booking.status === "expired")) {
      // The time left to pay, and once it has run out (a lapsed hold too) when it did.
      const until = Date.parse(lapses);
      const ran = t("hold_lapsed", { day: dayLabel(lapses.slice(0, 10), { day: "numeric", month: "long" }), time: hm(lapses) });
      const draw = () => {
        const ms = until - Date.now();
        if (booking.status === "expired" || ms <= 0) { clearInterval(state.tick); left.textContent = ran; return; }
        left.textContent = t("time_left", { time: `${Math.floor(ms / 6e4)}:${pad(Math.floor(ms / 1000) % 60)}` });
      };
      draw();
      if (booking.status === "pending_payment" && until > Date.now()) state.tick = setInterval(draw, 1000);
    }
  }
  function icsOf(booking) {
    const utc = (iso) => new Date(iso).toISOString().replace(/[-:]/g, "").slice(0, 15) + "Z";
    const name = (state.lang === "en" && config.studio.name_en) || config.studio.name;
    return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//studio booking//page//", "BEGIN:VEVENT",
      `UID:${booking.code}@${location.host}`, `DTSTAMP:${utc(booking.created_at || booking.start)}`,
      `DTSTART:${utc(booking.start)}`, `DTEND:${utc(booking.end)}`,
      `SUMMARY:${name} ${booking.code}`.replace(/[,;]/g, " "), "END:VEVENT", "END:VCALENDAR"].join("\r\n");
  }
  async function payAgain() {
    const mine = state.mine || {};
    try {
      const payment = await api("POST", "/api/payments", { booking_id: state.booking.id, gateway: mine.gateway || config.gateways[0] }, mine.token);
      location.assign(payment.confirmation_url);
    } catch (error) {
      notice(problem(error));
    }
  }

  // ---------------------------------------------------------------- start
  // The waitlist (book-waitlist.js) and a pending change's payment (book-change.js) are
  // their own files, loaded before this one; they get what of the page they use.
  const page = { $, config, state, tg, t, rubles, hm, hallName, dayLabel, local, STORE, api,
    problem, show, monthKey, loadMonth, freedMeanwhile, gatewayChoice, renderStatus };
  const wait = window.studioBooking.waitlist(page);
  const change = window.studioBooking.change(page);
  function renderAll() {
    if (config.code) { if (state.booking) renderStatus(state.booking, state.mine || {}); return; }
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
