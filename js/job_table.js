// Jobs table of the qrt_jupyter dashboard (anywidget ES module).
//
// Draws the synced state it is given -- `rows`, `columns`, `page`, `has_next`,
// `filters`, `filter_options`, `selected`, `message`, `show_controls` -- and sends
// the user's intentions back to Python as custom messages:
//   {type: "open" | "cancel" | "delete", job_id}
//   {type: "page", page}
//   {type: "filter", filters: {program_id, backend_name, status}}
//   {type: "refresh"}
// Which jobs are shown, whether a job can be cancelled or deleted, and what a
// click does are decided in Python; nothing here talks to a service.

const STATUS_COLORS = {
  QUEUED: "#6d4c41",
  INITIALIZING: "#6d4c41",
  VALIDATING: "#6d4c41",
  RUNNING: "#1565c0",
  DONE: "#2e7d32",
  ERROR: "#c62828",
  CANCELLED: "#757575",
};

const STATUS_LABELS = {
  "": "any status",
  pending: "pending",
  finished: "finished",
};

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "style") Object.assign(node.style, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function select(name, values, current, label, onChange) {
  const node = h("select", { "data-filter": name, title: label });
  for (const value of values) {
    const text = value === "" ? (name === "status" ? STATUS_LABELS[""] : `any ${label}`)
      : (STATUS_LABELS[value] ?? value);
    const option = h("option", { value }, text);
    if (value === current) option.selected = true;
    node.append(option);
  }
  node.addEventListener("change", onChange);
  return node;
}

function render({ model, el }) {
  const root = h("div", { class: "qrt-job-table", style: { fontSize: "13px", fontFamily: "var(--jp-ui-font-family, sans-serif)" } });
  el.append(root);

  const send = (content) => model.send(content);

  function sendFilters() {
    const filters = {};
    for (const node of root.querySelectorAll("select[data-filter]")) {
      filters[node.dataset.filter] = node.value;
    }
    send({ type: "filter", filters });
  }

  function controls() {
    const options = model.get("filter_options") || {};
    const filters = model.get("filters") || {};
    const page = model.get("page");
    const prev = h("button", { onclick: () => send({ type: "page", page: page - 1 }) }, "◀ newer");
    prev.disabled = page <= 0;
    const next = h("button", { onclick: () => send({ type: "page", page: page + 1 }) }, "older ▶");
    next.disabled = !model.get("has_next");
    return h(
      "div",
      { style: { display: "flex", gap: "6px", alignItems: "center", marginBottom: "6px", flexWrap: "wrap" } },
      select("program_id", ["", ...(options.program_id || [])], filters.program_id || "", "program", sendFilters),
      select("backend_name", ["", ...(options.backend_name || [])], filters.backend_name || "", "backend", sendFilters),
      select("status", options.status || [""], filters.status || "", "status", sendFilters),
      h("button", { title: "Refresh", onclick: () => send({ type: "refresh" }) }, "⟳"),
      h("span", { style: { flex: "1" } }),
      prev,
      h("span", {}, `page ${page + 1}`),
      next,
    );
  }

  function cell(row, key) {
    const value = row[key];
    if (key === "status") {
      return h("span", {
        style: {
          color: "white", background: STATUS_COLORS[value] || "#455a64",
          borderRadius: "8px", padding: "1px 7px", fontSize: "11px",
        },
      }, value);
    }
    if (key === "created" && value) return value.replace("T", " ").slice(0, 19);
    if (value === null || value === undefined) return "";
    return String(value);
  }

  function table() {
    const columns = model.get("columns") || [];
    const rows = model.get("rows") || [];
    const selected = model.get("selected");
    const head = h("tr", {}, ...columns.map(([, label]) => h("th", { style: { textAlign: "left", padding: "3px 8px" } }, label)), h("th", {}));
    const body = rows.map((row) => {
      const actions = h("td", { style: { whiteSpace: "nowrap" } });
      if (row.can_cancel) {
        actions.append(h("button", {
          title: "Cancel this job",
          onclick: (e) => { e.stopPropagation(); send({ type: "cancel", job_id: row.job_id }); },
        }, "cancel"));
      }
      if (row.can_delete) {
        actions.append(h("button", {
          title: "Delete this job from the store",
          onclick: (e) => { e.stopPropagation(); send({ type: "delete", job_id: row.job_id }); },
        }, "delete"));
      }
      return h(
        "tr",
        {
          "data-job-id": row.job_id,
          style: { cursor: "pointer", background: row.job_id === selected ? "var(--jp-layout-color2, #e3f2fd)" : "" },
          onclick: () => send({ type: "open", job_id: row.job_id }),
        },
        ...columns.map(([key]) => h("td", { style: { padding: "3px 8px", fontFamily: key === "job_id" || key === "session_id" ? "monospace" : "" } }, cell(row, key))),
        actions,
      );
    });
    if (body.length === 0) {
      body.push(h("tr", {}, h("td", { colspan: String(columns.length + 1), style: { padding: "8px", color: "#777" } }, "No jobs.")));
    }
    return h("table", { style: { borderCollapse: "collapse", width: "100%" } }, h("thead", {}, head), h("tbody", {}, ...body));
  }

  function draw() {
    const message = model.get("message");
    root.replaceChildren(
      model.get("show_controls") ? controls() : "",
      message ? h("div", { style: { color: "#c62828", margin: "4px 0" } }, message) : "",
      table(),
    );
  }

  const traits = ["rows", "columns", "page", "has_next", "filters", "filter_options", "selected", "message", "show_controls"];
  for (const name of traits) model.on(`change:${name}`, draw);
  draw();

  return () => {
    for (const name of traits) model.off(`change:${name}`, draw);
    root.remove();
  };
}

export default { render };
