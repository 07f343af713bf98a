// The booking page on a studio's own site, in one line:
//   <script src="https://booking.example/widget.js" data-hall="white" async></script>
// It adds a "Book" button (data-label to rename it; data-target="#id" to use your own button)
// that opens /book in an overlay with an iframe; Escape or the close button closes it.
// data-mode="inline" puts the page in the script's place instead (an iframe, no overlay).
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const base = new URL(script.src).origin;
  const hall = script.dataset.hall ? `/${encodeURIComponent(script.dataset.hall)}` : "";
  const url = `${base}/book${hall}`;
  const ru = (navigator.language || "ru").toLowerCase().startsWith("ru");
  const frame = () => {
    const f = document.createElement("iframe");
    f.src = url;
    f.title = ru ? "Бронирование" : "Booking";
    f.style.cssText = "border:0;width:100%;height:100%;background:#fff";
    f.allow = "payment";
    return f;
  };
  if (script.dataset.mode === "inline") {
    const f = frame();
    f.style.height = script.dataset.height || "900px";
    script.replaceWith(f);
    return;
  }
  let overlay = null;
  let opener = null;
  // Escape closes the overlay whatever keys came before it; the listener goes with it.
  const onKey = (e) => { if (e.key === "Escape") close(); };
  const close = () => {
    if (!overlay) return;
    document.removeEventListener("keydown", onKey);
    overlay.remove();
    overlay = null;
    if (opener) opener.focus();
  };
  const open = (event) => {
    if (event) event.preventDefault();
    opener = document.activeElement;
    overlay = document.createElement("div");
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", ru ? "Бронирование" : "Booking");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483000;background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center";
    const box = document.createElement("div");
    box.style.cssText = "position:relative;width:min(44rem,100%);height:min(56rem,100%);background:#fff;border-radius:12px;overflow:hidden";
    const x = document.createElement("button");
    x.type = "button";
    x.textContent = "×";
    x.setAttribute("aria-label", ru ? "Закрыть" : "Close");
    x.style.cssText = "position:absolute;top:6px;right:6px;width:44px;height:44px;font-size:28px;border:0;border-radius:22px;background:#1a1a1a;color:#fff;cursor:pointer";
    x.addEventListener("click", close);
    box.append(frame(), x);
    overlay.append(box);
    overlay.addEventListener("click", (e) => { if (e.target === overlay) close(); });
    document.addEventListener("keydown", onKey);
    document.body.append(overlay);
    x.focus();
  };
  const target = script.dataset.target && document.querySelector(script.dataset.target);
  if (target) { target.addEventListener("click", open); return; }
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = script.dataset.label || (ru ? "Забронировать" : "Book");
  b.style.cssText = "font:inherit;padding:.7em 1.2em;border:0;border-radius:8px;background:#1d4ed8;color:#fff;cursor:pointer";
  b.addEventListener("click", open);
  script.after(b);
})();
