// The booking page's guests, add-ons and rules, the summary with the server's price, and the
// gateways, loaded before book.js, which calls it with what of the page it uses (`page`).
"use strict";
window.studioBooking = window.studioBooking || {};
window.studioBooking.summary = (page) => {
  const { $, config, state, t, rubles, hallName, dayLabel, pad, toMin, api, problem, show, dayOf } = page;
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
        // Whole and within the stock, in what is asked while typing and in the field after.
        const most = () => Number(input.max) || 0;
        input.addEventListener("input", () => { state.addons[addon.id] = whole(input.value, 0, most()); renderSummary(); });
        input.addEventListener("change", () => { input.value = String(whole(input.value, 0, most())); });
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
  function choice() {
    // What the visitor has chosen, as the API takes it; the booking adds who books.
    const [start, end] = span();
    const body = { hall_id: state.hall.id, start, end, payment_mode: $("details").elements.mode.value };
    if (state.hall.capacity) body.guests = guests();
    const addons = Object.entries(state.addons).filter(([, q]) => q > 0).map(([id, quantity]) => ({ id, quantity }));
    if (addons.length) body.addons = addons;
    // One field for a promo code or a gift certificate's code: the API tells them apart
    // (a certificate's code in `promo_code` is taken as `certificate_code`), as the bot does.
    if ($("promo").value.trim()) body.promo_code = $("promo").value.trim();
    return body;
  }
  function whole(value, least, most) {
    // A count as the API takes it: "2.5", "-2" or one above the limit never reach the server.
    const n = Math.trunc(Number(value));
    return Number.isFinite(n) ? Math.min(most, Math.max(least, n)) : least;
  }
  const guests = () => whole($("guests").value, 1, state.hall.capacity);
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
    // A gift certificate covering all, or a promo code taking the whole price (total 0).
    const byCertificate = Boolean(quote && Number(quote.certificate_paid.value) > 0);
    const free = Boolean(quote && Number(quote.total.value) === 0);
    const covered = Boolean(quote && !promoRefused && Number(quote.due_now.value) === 0 && (byCertificate || free));
    if (covered) lines.push(line(t(byCertificate ? "covered" : "nothing_to_pay"), "", "covered"));
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

  // ---------------------------------------------------------------- the chosen time
  function offsetOf(date) {
    const day = dayOf(date);
    const sample = (day && (day.open || (day.free[0] && day.free[0].start))) || "";
    return sample.length >= 25 ? sample.slice(19) : "+03:00";
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
  return { guests, renderAddons, loadAddonStock, renderRules, choice, line, renderSummary, renderGateways, gatewayChoice };
};
