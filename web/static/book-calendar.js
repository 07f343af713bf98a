// The booking page's halls, month calendar, the day's starts and the lengths that fit, loaded
// before book.js, which calls it with what of the page it uses (`page`); what it calls of the
// parts made after it (the waitlist, the summary) it finds on `page` when it calls them.
"use strict";
window.studioBooking = window.studioBooking || {};
window.studioBooking.calendar = (page) => {
  const { $, config, state, tg, t, rubles, locale, hoursOf, hallName, dayLabel, pad, api, show, focusHeading,
    button } = page;
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
    // The promise of a wait only where one is offered.
    $("legend").textContent = t(canWait() ? "legend" : "legend_no_wait");
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
    page.resetWait();
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
    page.renderAddons();
    show("step-addons", Boolean(hall.addons && hall.addons.length));
    if (hall.addons && hall.addons.length) page.loadAddonStock();
    show("step-promo", "addons" in hall);
    page.renderRules();
    page.renderSummary();
    page.renderGateways();
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
  return { loadHalls, renderHalls, pickHall, monthKey, loadMonth, renderMonth, moveMonth, pickDay, dayOf,
    renderStarts, pickStart, renderLengths, freedMeanwhile };
};
