// The booking page's waitlist for a full day, loaded before book.js, which calls it with
// what of the page it uses (`page`).
"use strict";
window.studioBooking = window.studioBooking || {};
window.studioBooking.waitlist = (page) => {
  const { $, state, tg, t, dayLabel, api, problem, show, monthKey, loadMonth, freedMeanwhile } = page;
  // POST /api/waitlist: in the Mini App the Telegram user is told in the chat (one tap);
  // on the web the visitor leaves a name and the e-mail the message goes to.
  function resetWait() {
    state.waitDone = null;
    show("wait-open");
    show("wait-form", false);
    show("wait-done", false);
    $("wait-error").textContent = "";
  }
  function openWait() {
    if (tg.user) { joinWait(); return; }
    show("wait-open", false);
    show("wait-form");
    // What the visitor typed for a booking before is theirs here too.
    for (const id of ["name", "email", "phone"]) if (!$(`wait-${id}`).value) $(`wait-${id}`).value = $(id).value;
    $("wait-name").focus();
  }
  function waitBody() {
    const name = tg.user ? [tg.user.first_name, tg.user.last_name].filter(Boolean).join(" ") || tg.user.username || "Telegram"
      : $("wait-name").value.trim();
    const client = { name };
    if (!tg.user) {
      client.email = $("wait-email").value.trim();
      if ($("wait-phone").value.trim()) client.phone = $("wait-phone").value.trim();
    }
    return { hall_id: state.hall.id, date: state.day, client, language: state.lang };
  }
  async function joinWait(event) {
    if (event) event.preventDefault();
    $("wait-error").textContent = "";
    if (!tg.user) {
      const missing = [["wait-name", "name"], ["wait-email", "email"]].find(([id]) => !$(id).value.trim());
      for (const id of ["wait-name", "wait-email"]) $(id).setAttribute("aria-invalid", String(!$(id).value.trim()));
      if (missing) { $("wait-error").textContent = `${t(missing[1])}: ${t("required")}`; $(missing[0]).focus(); return; }
    }
    const body = waitBody();
    const date = state.day;
    // The answer may come once the visitor has picked another day (the calendar stays open),
    // maybe full too, its own form being typed in: it is that day's block now, not this one's.
    const moved = () => state.day !== date || state.hall.id !== body.hall_id;
    $("wait-submit").disabled = $("wait-open").disabled = true;
    try {
      const entry = await api("POST", "/api/waitlist", body);
      if (moved()) return;
      state.waitDone = { already: entry.already_waiting, email: body.client.email || "", date };
      renderWaitDone();
      show("wait-open", false);
      show("wait-form", false);
      $("wait-done").focus();
    } catch (error) {
      if (moved()) return;
      if (error.code === "day_not_full") await freedMeanwhile(date);
      else if (error.code === "bad_date") {
        $("wait-error").textContent = problem(error);
        show("wait-open", false);
        show("wait-form", false);
        delete state.days[monthKey()];
        loadMonth();
      } else {
        $("wait-error").textContent = problem(error);
        if (error.code === "bad_email" || error.code === "no_contact") $("wait-email").focus();
        if (error.code === "bad_phone") $("wait-phone").focus();
      }
    } finally {
      $("wait-submit").disabled = $("wait-open").disabled = false;
    }
  }
  function renderWaitDone() {
    const done = state.waitDone;
    show("wait-done", Boolean(done));
    if (!done) return;
    const day = dayLabel(done.date, { day: "numeric", month: "long" });
    const where = done.email ? "email" : "chat";
    $("wait-done").textContent = t(`${done.already ? "wait_already" : "wait_done"}_${where}`, { day, email: done.email });
  }
  return { resetWait, openWait, joinWait, renderWaitDone };
};
