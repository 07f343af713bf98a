// The booking page's status page (/pay/return/<code>): the booking live, the time left to pay,
// paying again and the .ics file, loaded before book.js, which calls it with what of the page
// it uses (`page`); a pending change (book-change.js, made after it) it finds on `page`.
"use strict";
window.studioBooking = window.studioBooking || {};
window.studioBooking.status = (page) => {
  const { $, config, state, tg, t, rubles, hm, pad, dayLabel, local, STORE, api, problem, notice, show, line } = page;
  const FINAL = ["confirmed", "completed", "expired", "cancelled", "no_show"];
  function kept(code) { try { return JSON.parse(local.getItem(STORE + code) || "null"); } catch (e) { return null; } }
  // The booking this browser made (its token kept), or in the Mini App any booking of the
  // Telegram user, one made with the bot too: the API knows its owner by the initData.
  function whose(code) {
    return kept(code) || (tg.initData && config.booking_id ? { id: config.booking_id, token: "", chat: true } : null);
  }
  function unknown() {
    state.unknown = true;
    $("status-state").textContent = t("unknown_booking");
    // Where its messages go is not known either: nothing is promised.
    $("status-where").textContent = "";
  }
  async function showStatus() {
    show("booking", false);
    show("status");
    const mine = whose(config.code);
    renderTitle();
    if (!mine) { unknown(); return; }
    const booking = await api("GET", `/api/bookings/${mine.id}`, null, mine.token).catch((error) => {
      if (error.code === "booking_not_found") return null;  // not this user's: as unknown
      throw error;
    });
    if (!booking) { unknown(); return; }
    if (booking.change && booking.change.kind === "reschedule" && !state.halls.length) {
      state.halls = (await api("GET", "/api/halls").catch(() => ({ halls: [] }))).halls;
    }
    const checking = page.settleChange(booking, mine);
    renderStatus(booking, mine);
    if (!FINAL.includes(booking.status) || checking) {
      clearTimeout(state.poll);
      state.poll = setTimeout(showStatus, 2000);
    }
  }
  function renderTitle() { $("status-title").textContent = t("status_title", { code: config.code }); }
  function renderStatusPage() {
    // All of it again in the language just chosen, the heading too.
    renderTitle();
    if (state.booking) renderStatus(state.booking, state.mine || {});
    else if (state.unknown) unknown();
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
    page.renderChange(booking);
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
        if (booking.status === "expired" || ms <= 0) {
          // Run out: nothing to pay any more, though the server may not have marked it yet.
          clearInterval(state.tick);
          left.textContent = ran;
          $("status-pay").hidden = true;
          return;
        }
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
  return { showStatus, renderStatus, renderStatusPage, payAgain };
};
