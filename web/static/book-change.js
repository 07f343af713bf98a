// The booking page's pending change (a dearer move, more time, overtime) and its payment,
// loaded before book.js, which calls it with what of the page it uses (`page`).
"use strict";
window.studioBooking = window.studioBooking || {};
window.studioBooking.change = (page) => {
  const { $, config, state, t, rubles, hm, hallName, dayLabel, local, STORE, api, problem, show,
    gatewayChoice, renderStatus } = page;
  // A change waiting for its payment (a dearer move, more time, overtime): what it is, what
  // it costs, and a button that pays it as a new booking is paid (POST /api/payments).
  function renderChange(booking) {
    const change = booking.change;
    const done = state.changeDone;
    $("status-done").textContent = done ? t(`change_done_${done.kind}`, { end: hm(done.end) }) : state.changeNote || "";
    $("status-done").hidden = !done && !state.changeNote;
    show("status-change", Boolean(change));
    if (!change) return;
    const day = dayLabel(change.start.slice(0, 10), { day: "numeric", month: "long", weekday: "short" });
    const hall = state.halls.find((h) => h.id === change.hall_id);
    const when = t("when", { day, start: hm(change.start), end: hm(change.end) });
    const what = change.kind === "reschedule" ? t("change_reschedule", { where: hall ? `${hallName(hall)}, ${when}` : when })
      : change.kind === "extend" ? t("change_extend", { end: hm(change.end) })
        : t("change_overtime", { minutes: change.overtime_minutes || "" });
    $("change-what").textContent = what;
    $("change-total").textContent = t("change_total", { total: rubles(change.total) });
    $("change-due").textContent = t("change_due", { amount: rubles(change.due) });
    $("change-until").textContent = change.expires_at ? t("change_until", { time: hm(change.expires_at) }) : "";
    $("change-pay").textContent = t("change_pay", { amount: rubles(change.due) });
    $("change-pay").disabled = Boolean(state.changePaying);
    show("change-gateways-box", config.gateways.length > 1);
    gatewayChoice($("change-gateways"), "change-gateway", (state.mine && state.mine.gateway) || config.gateways[0]);
  }
  function settleChange(booking, mine) {
    // Back from the gateway: the change payment this page started, paid (the change is
    // made), declined (offered again), or not yet reported by the gateway (asked again).
    const started = mine.change;
    if (!started) return false;
    const payment = (booking.payments || []).find((p) => p.id === started.payment);
    const status = payment ? payment.status : "canceled";
    if (status === "pending" || status === "authorized") {
      state.changeNote = t("change_checking");
      return true;
    }
    state.changeNote = "";
    if (status === "succeeded") state.changeDone = started;
    else if (!booking.change) state.changeNote = t("change_lapsed");
    delete mine.change;
    local.setItem(STORE + booking.code, JSON.stringify(mine));
    return false;
  }
  async function payChange() {
    const mine = state.mine || {};
    const chosen = document.querySelector('input[name="change-gateway"]:checked');
    const gateway = (chosen && chosen.value) || mine.gateway || config.gateways[0];
    $("change-error").textContent = "";
    state.changePaying = true;
    $("change-pay").disabled = true;
    try {
      // Asked again first: the change may have lapsed (or been paid) since it was shown,
      // and what is due then is no longer the change.
      const booking = await api("GET", `/api/bookings/${mine.id}`, null, mine.token);
      if (!booking.change || booking.due_kind !== "change") {
        state.changeNote = t("change_lapsed");
        renderStatus(booking, mine);
        return;
      }
      const payment = await api("POST", "/api/payments", { booking_id: booking.id, gateway }, mine.token);
      mine.change = { payment: payment.id, kind: booking.change.kind, end: booking.change.end };
      mine.gateway = gateway;
      local.setItem(STORE + booking.code, JSON.stringify(mine));
      location.assign(payment.confirmation_url);
    } catch (error) {
      $("change-error").textContent = problem(error);
    } finally {
      state.changePaying = false;
      $("change-pay").disabled = false;
    }
  }
  return { renderChange, settleChange, payChange };
};
