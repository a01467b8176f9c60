// The calculator page: a form built from a policy's inputs (GET /v1/policies/NAME), sent to its
// evaluate endpoint; outputs, violations and the explanation shown as a tree. No framework.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// Appends the parts that are there: append(null) would show "null".
function add(parent, ...children) {
  for (const c of children) if (c !== null && c !== undefined) parent.append(c);
}

// A description as the page shows it: comment lines joined into sentences, each "source:" and
// "requires" on a line of its own, and the notes on JSON forms left out.
function helpText(...descriptions) {
  const lines = [];
  for (const d of descriptions) {
    if (!d) continue;
    for (const line of d.split("\n")) {
      if (line.startsWith("exact: ") || lines.includes(line)) continue;
      if (lines.length && !/^(source:|requires )/.test(line) && !/^(source:|requires )/.test(lines[lines.length - 1])) lines[lines.length - 1] += " " + line;
      else lines.push(line);
    }
  }
  return lines.join("\n");
}

// "annual_pay" reads as "Annual pay".
function human(name) {
  const s = name.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// Money and dates are formatted from their exact text: no binary floating point touches them.
function groupDigits(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
function formatMoney(text) {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  return m ? `${m[1]}£${groupDigits(m[2])}${m[3] || ""}` : text;
}
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
function formatDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m ? `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}` : text;
}

let policy = null;   // GET /v1/policies/NAME
let schema = null;   // its input schema

function resolve(s) {
  if (s && s.$ref) return schema.$defs[s.$ref.replace("#/$defs/", "")];
  return s;
}
// The schema of a value, without the null an optional adds.
function unwrap(s) {
  if (s && s.anyOf && s.anyOf.some((a) => a.type === "null")) return s.anyOf.find((a) => a.type !== "null");
  return s;
}
// An enum's choices: its values with their labels (the labels themselves are also accepted).
function choices(def) {
  if (!def || !def.anyOf) return null;
  const values = def.anyOf.filter((a) => "const" in a && !(a.title || "").startsWith("the label of"));
  return values.length ? values.map((a) => ({ value: a.const, label: a.title || a.const })) : null;
}
function kindOf(typeName, s) {
  const base = typeName.replace(/\?$/, "");
  if (base.startsWith("list of ")) return "list";
  if (base === "money") return "money";
  if (base === "date") return "date";
  if (base === "bool") return "bool";
  const def = resolve(unwrap(s));
  if (def && choices(def)) return "enum";
  if (def && def.type === "object") return "record";
  if (base === "int" || base === "decimal") return "number";
  return "text";
}

// One field: a control with its label, help, error slot and a way to read its value.
function field(id, name, typeName, s, required) {
  const kind = kindOf(typeName, s);
  const inner = unwrap(s) || {};
  const wrap = el("div", { class: "field", "data-field": id });
  const text = helpText(s && s.description, inner.description);
  const help = text ? el("p", { class: "help", id: `${id}-help`, text }) : null;
  const error = el("p", { class: "error", id: `${id}-error`, hidden: true });
  const described = [help ? `${id}-help` : null, `${id}-error`].filter(Boolean).join(" ");
  const label = el("label", { for: id }, human(name), required ? null : el("span", { class: "optional", text: " (optional)" }));
  let control, read;
  if (kind === "bool") {
    control = el("input", { type: "checkbox", id, "aria-describedby": described });
    if (inner.default === true || (s && s.default === true)) control.checked = true;
    wrap.classList.add("check");
    add(wrap, control, label, help, error);
    return { wrap, kind, read: () => control.checked, control };
  }
  if (kind === "enum") {
    control = el("select", { id, "aria-describedby": described });
    const def = resolve(inner);
    const dflt = s && s.default !== undefined ? s.default : inner.default;
    control.append(el("option", { value: "", text: required ? "Choose…" : "None" }));
    for (const c of choices(def)) control.append(el("option", { value: c.value, text: c.label, selected: c.value === dflt }));
    read = () => (control.value === "" ? undefined : control.value);
  } else if (kind === "date") {
    control = el("input", { type: "date", id, "aria-describedby": described });
    read = () => {
      if (control.validity.badInput) throw { field: id, message: "Enter a whole date: day, month and year" };
      return control.value === "" ? undefined : control.value;
    };
  } else if (kind === "list" || kind === "record") {
    return compound(id, name, typeName, s, required, kind);
  } else {
    const dflt = s && s.default !== undefined ? s.default : inner.default;
    control = el("input", { type: "text", id, "aria-describedby": described, inputmode: kind === "money" || kind === "number" ? "decimal" : undefined, autocomplete: "off", spellcheck: kind === "text" ? undefined : "false" });
    if (dflt !== undefined && dflt !== null) control.value = String(dflt);
    read = () => (control.value.trim() === "" ? undefined : control.value.trim());
  }
  add(wrap, label, help, error);
  wrap.append(kind === "money" ? el("span", { class: "money" }, el("span", { class: "prefix", "aria-hidden": "true", text: "£" }), control) : control);
  return { wrap, kind, read, control };
}

// A record as a group of fields, or a list as rows that can be added and removed.
function compound(id, name, typeName, s, required, kind) {
  const inner = unwrap(s);
  const itemSchema = kind === "list" ? inner.items : inner;
  const itemType = kind === "list" ? typeName.replace(/\?$/, "").replace(/^list of /, "") : typeName.replace(/\?$/, "");
  const def = resolve(itemSchema);
  const set = el("fieldset", { id, class: "field", "data-field": id, "aria-describedby": `${id}-error` });
  set.append(el("legend", {}, human(name), required ? null : el("span", { class: "optional", text: " (optional)" })));
  const text = helpText(s && s.description, inner && inner.description);
  if (text) set.append(el("p", { class: "help", text }));
  set.append(el("p", { class: "error", id: `${id}-error`, hidden: true }));
  const rows = el("div");
  set.append(rows);
  const items = [];
  const makeItem = () => {
    const n = items.length ? items[items.length - 1].n + 1 : 0;
    const rowId = kind === "list" ? `${id}-${n}` : id;
    const row = el("div", { class: "row" });
    const parts = [];
    if (def && def.type === "object") {
      for (const [fname, fs] of Object.entries(def.properties)) {
        const ftype = fs.anyOf && fs.anyOf.some((a) => a.type === "null") ? "?" : "";
        const guess = fs.format === "date" ? "date" : fs.pattern && fs.pattern.includes("£") ? "money" : fs.type === "boolean" ? "bool" : "text";
        const f = field(`${rowId}-${fname}`, fname, guess + ftype, fs, (def.required || []).includes(fname));
        parts.push([fname, f]);
        row.append(f.wrap);
      }
    } else {
      const f = field(`${rowId}-value`, itemType, itemType, itemSchema, true);
      parts.push([null, f]);
      row.append(f.wrap);
    }
    const item = { n, row, read: () => {
      if (!parts[0][0]) return parts[0][1].read();
      const out = {};
      for (const [fname, f] of parts) { const v = f.read(); if (v !== undefined) out[fname] = v; }
      return out;
    } };
    if (kind === "list") {
      const remove = el("button", { type: "button", class: "secondary", text: `Remove ${human(itemType).toLowerCase()} ${n + 1}` });
      remove.addEventListener("click", () => { items.splice(items.indexOf(item), 1); row.remove(); });
      row.append(remove);
    }
    items.push(item);
    rows.append(row);
  };
  if (kind === "list") {
    const add = el("button", { type: "button", class: "secondary", text: `Add ${human(itemType).toLowerCase()}` });
    add.addEventListener("click", makeItem);
    set.append(add);
  } else makeItem();
  const read = () => (kind === "list" ? (items.length || required ? items.map((i) => i.read()) : undefined) : items[0].read());
  return { wrap: set, kind, read };
}

function clearErrors() {
  $("summary").hidden = true;
  $("summary").replaceChildren();
  for (const e of document.querySelectorAll(".error")) { e.hidden = true; e.textContent = ""; }
  for (const e of document.querySelectorAll(".invalid")) e.classList.remove("invalid");
  for (const e of document.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
}

// Shows errors beside the fields they name, and all of them in a summary that links to each.
function showErrors(errors) {
  const list = el("ul");
  for (const e of errors) {
    const id = e.field ? e.field.split(".")[0].split("[")[0] : null;
    const slot = id ? $(`${id}-error`) : null;
    const text = e.help && !slot ? `${e.message} (${e.help})` : e.message;
    if (slot) {
      slot.textContent = e.message;
      slot.hidden = false;
      const wrap = document.querySelector(`[data-field="${CSS.escape(id)}"]`);
      if (wrap) wrap.classList.add("invalid");
      const control = $(id);
      if (control) control.setAttribute("aria-invalid", "true");
      list.append(el("li", {}, el("a", { href: `#${id}`, text })));
    } else list.append(el("li", { text }));
  }
  const summary = $("summary");
  summary.replaceChildren(el("h2", { text: "There is a problem" }), list);
  summary.hidden = false;
  summary.focus();
}

function outputSchemaOf(name) {
  const rs = policy.result_schema;
  const s = unwrap(rs.properties.outputs.properties[name]);
  if (s && s.$ref) return rs.$defs[s.$ref.replace("#/$defs/", "")];
  return s;
}

function formatValue(value, typeName, s) {
  if (value === null) return "—";
  const base = typeName.replace(/\?$/, "");
  if (base === "money") return formatMoney(value);
  if (base === "date") return formatDate(value);
  if (base === "bool") return value ? "Yes" : "No";
  const c = s && s.anyOf ? s.anyOf.find((a) => a.const === value) : null;
  if (c && c.title) return c.title;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// The explanation as a tree: each output, then what it used, each value explained once.
function explanationTree(entries) {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const shown = new Set();
  const node = (e) => {
    const value = typeof e.value === "object" && e.value !== null ? JSON.stringify(e.value) : String(e.value);
    const d = el("details", {}, el("summary", {}, el("strong", { text: human(e.name) }), ` = ${e.type === "money" && e.value !== null ? formatMoney(e.value) : e.type === "date" && e.value ? formatDate(e.value) : value} `, el("span", { class: "optional", text: `(${e.kind})` })));
    if (shown.has(e.name)) { d.append(el("p", { class: "why", text: "Explained above." })); return d; }
    shown.add(e.name);
    for (const why of e.decided_by) d.append(el("p", { class: "why", text: why }));
    if (e.source) d.append(el("p", { class: "why", text: `Source: ${e.source}` }));
    for (const u of e.uses) if (byName.has(u)) d.append(node(byName.get(u)));
    return d;
  };
  return entries.filter((e) => e.kind === "output").map(node);
}

function showResult(result) {
  const body = $("result-body");
  const rows = policy.outputs.map((o) => el("tr", {}, el("th", { scope: "row", text: human(o.name) }), el("td", { class: "value", "data-output": o.name, text: formatValue(result.outputs[o.name], o.type, outputSchemaOf(o.name)) })));
  const parts = [el("table", {}, el("caption", { class: "optional", text: `Policy ${result.policy.name}, ${result.policy.content_hash.slice(0, 19)}…` }), el("tbody", {}, ...rows))];
  if (result.violations.length) {
    // with the explanation, each failed rule's entry says why its condition is false
    const why = (result.explanation || []).filter((e) => e.kind === "require");
    const item = (v, i) => el("li", {}, v.message + (v.source ? ` (source: ${v.source})` : ""), ...(why[i] ? why[i].decided_by.map((b) => el("p", { class: "why", text: b })) : []));
    parts.push(el("h3", { text: "Rules not met" }), el("ul", { class: "violations" }, ...result.violations.map(item)));
  }
  if (result.explanation) parts.push(el("h3", { text: "How it was worked out" }), ...explanationTree(result.explanation));
  body.replaceChildren(...parts);
  $("result").hidden = false;
}

async function submit(event, fields) {
  event.preventDefault();
  clearErrors();
  const input = {};
  const problems = [];
  for (const f of fields) {
    try { const v = f.read(); if (v !== undefined) input[f.name] = v; } catch (e) { if (e.field) problems.push(e); else throw e; }
  }
  const asOf = $("as_of");
  if (asOf.validity.badInput) problems.push({ field: "as_of", message: "Enter a whole date: day, month and year" });
  if (problems.length) { $("result").hidden = true; return showErrors(problems); }
  const request = { input, explain: true };
  if (asOf.value) request.as_of = asOf.value;
  let response, result;
  try {
    response = await fetch(`/v1/policies/${encodeURIComponent(policy.name)}/evaluate`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request) });
    result = await response.json();
  } catch (e) {
    return showErrors([{ message: `The service could not be reached: ${e.message}` }]);
  }
  if (!response.ok) { $("result").hidden = true; return showErrors(result.errors); }
  showResult(result);
}

async function showCalculator(name) {
  const response = await fetch(`/v1/policies/${encodeURIComponent(name)}`);
  if (!response.ok) { $("title").textContent = "No such policy"; return showErrors((await response.json()).errors); }
  policy = await response.json();
  schema = policy.input_schema;
  document.title = `${policy.title || policy.name} – calculator`;
  $("title").textContent = policy.title || policy.name;
  $("source").textContent = policy.source ? `Source: ${policy.source}` : "";
  const form = el("form", { id: "form", novalidate: true });
  const fields = [];
  for (const i of policy.inputs) {
    const f = field(i.name, i.name, i.type, schema.properties[i.name], i.required);
    f.name = i.name;
    fields.push(f);
    form.append(f.wrap);
  }
  const asOf = field("as_of", "as_of", "date", { description: "The date the policy is applied on, for values that change over time. Leave it empty for today." }, false);
  asOf.wrap.querySelector("label").firstChild.textContent = "Evaluation date";
  form.append(asOf.wrap, el("button", { type: "submit", text: "Calculate" }));
  form.addEventListener("submit", (e) => submit(e, fields));
  $("content").replaceChildren(form);
}

async function showIndex() {
  const response = await fetch("/v1/policies");
  const list = await response.json();
  $("title").textContent = "Policies";
  $("source").textContent = "Choose a policy to try a case.";
  const items = list.policies.map((p) => el("li", {}, el("a", { href: p.links.calculator, text: p.title || p.name }), el("br"), el("span", { class: "optional", text: p.name })));
  const parts = [el("ul", { class: "policies" }, ...items)];
  if (list.failures.length) {
    parts.push(el("h2", { text: "Files that did not load" }), el("ul", {}, ...list.failures.map((f) => el("li", { text: `${f.file}: ${f.message}` }))));
  }
  $("content").replaceChildren(...parts);
}

const match = /^\/calculator\/(.+)$/.exec(location.pathname);
(match ? showCalculator(decodeURIComponent(match[1])) : showIndex()).catch((e) => showErrors([{ message: String(e) }]));
