// Front end of qrt_jupyter's JobWidget header (anywidget ES module).
//
// It only draws the state it is given: status badge, queue position,
// elapsed time against the time limit, error, result summary, logs, and a
// cancel button that sends {action: "cancel"} to Python. Whether the job is
// over comes from Python (the `final` trait): no list of statuses lives here.
// The clock ticks here (once a second while the job runs) so the kernel does
// not have to send a message every second just to move the elapsed time.

function fmtSeconds(s) {
  if (s == null || !isFinite(s)) return "";
  s = Math.max(0, s);
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  const rest = (n, unit) => (n ? ` ${n} ${unit}` : "");
  if (m < 60) return `${m} min` + rest(Math.floor(s % 60), "s");
  return `${Math.floor(m / 60)} h` + rest(m % 60, "min");
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text != null) node.textContent = text;
  return node;
}

function render({ model, el: root }) {
  root.classList.add("qrt-job");
  const head = el("div", "qrt-job-head");
  const badge = el("span", "qrt-badge");
  const title = el("span", "qrt-job-title");
  const jobId = el("code", "qrt-job-id");
  const cancel = el("button", "qrt-cancel", "Cancel");
  cancel.type = "button";
  head.append(badge, title, jobId, cancel);

  const facts = el("div", "qrt-job-facts");
  const queue = el("span", "qrt-queue");
  const session = el("span", "qrt-session");
  const elapsed = el("span", "qrt-elapsed");
  const bar = el("div", "qrt-time-bar");
  const barFill = el("div", "qrt-time-fill");
  bar.append(barFill);
  facts.append(queue, session, elapsed, bar);

  const error = el("div", "qrt-error");
  const errorText = el("span", "qrt-error-text");
  const logsLink = el("a", "qrt-logs-link", "show logs");
  logsLink.href = "#";
  error.append(errorText, " ", logsLink);
  const summary = el("div", "qrt-summary");
  const notice = el("div", "qrt-notice");
  const logsToggle = el("a", "qrt-logs-toggle", "logs");
  logsToggle.href = "#";
  const logs = el("pre", "qrt-logs");
  logs.hidden = true;
  root.append(head, facts, error, summary, notice, logsToggle, logs);

  function toggleLogs(event) {
    event.preventDefault();
    logs.hidden = !logs.hidden;
    logsLink.textContent = logs.hidden ? "show logs" : "hide logs";
  }
  logsLink.addEventListener("click", toggleLogs);
  logsToggle.addEventListener("click", toggleLogs);
  cancel.addEventListener("click", () => {
    cancel.disabled = true;
    model.send({ action: "cancel" });
  });

  function tick() {
    const started = model.get("started");
    const finished = model.get("finished");
    const limit = model.get("max_execution_time");
    if (started == null) {
      elapsed.textContent = "";
      bar.hidden = true;
      return;
    }
    const end = finished != null ? finished : Date.now() / 1000;
    const secs = end - started;
    elapsed.textContent = "elapsed " + fmtSeconds(secs) + (limit ? ` / ${fmtSeconds(limit)} limit` : "");
    bar.hidden = !limit;
    if (limit) {
      const frac = Math.min(1, secs / limit);
      barFill.style.width = `${(100 * frac).toFixed(1)}%`;
      barFill.classList.toggle("qrt-late", frac > 0.9);
    }
  }

  function draw() {
    const status = model.get("status");
    badge.textContent = status;
    badge.dataset.status = status;
    root.dataset.status = status;
    title.textContent = [model.get("program"), model.get("backend")].filter(Boolean).join(" on ");
    jobId.textContent = model.get("job_id");
    const final = model.get("final");
    cancel.hidden = final || !model.get("cancellable");
    if (final) cancel.disabled = true;
    const pos = model.get("queue_position");
    queue.textContent = pos != null && !final ? `queue position ${pos}` : "";
    const sid = model.get("session_id");
    session.textContent = sid ? `session ${sid}` : "";
    const err = model.get("error");
    error.hidden = !err;
    errorText.textContent = err || "";
    summary.textContent = model.get("result_summary") || "";
    notice.textContent = model.get("notice") || "";
    const text = model.get("logs") || "";
    logs.textContent = text;
    logsToggle.hidden = !text || !!err;
    logsLink.hidden = !text;
    tick();
  }

  const names = [
    "status", "final", "job_id", "program", "backend", "queue_position", "started", "finished",
    "max_execution_time", "error", "result_summary", "notice", "logs", "cancellable", "session_id",
  ];
  for (const name of names) model.on(`change:${name}`, draw);
  draw();
  const timer = setInterval(() => {
    if (!model.get("final")) tick();
  }, 1000);

  return () => {
    clearInterval(timer);
    for (const name of names) model.off(`change:${name}`, draw);
  };
}

export default { render };
