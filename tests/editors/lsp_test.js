// pol lsp driven by a real client, vscode-jsonrpc, as an editor drives it: the largest shipped
// policy opened and a line typed into it character by character, then hover, definition,
// references, rename, completion, symbols, formatting and quick fixes at chosen places.
//   node lsp_test.js POL ROOT [--bench]     --bench prints how long each answer took
"use strict";
const fs = require("fs");
const path = require("path");
const { spawn, execFileSync } = require("child_process");
const rpc = require("vscode-jsonrpc/node");

const [pol, root] = process.argv.slice(2);
const bench = process.argv.includes("--bench");
let failures = 0;
function check(description, ok, detail) {
  if (!ok) {
    failures++;
    console.log(`FAIL: ${description}` + (detail !== undefined ? `\n${typeof detail === "string" ? detail : JSON.stringify(detail).slice(0, 1500)}` : ""));
  }
}

const policies = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith(".pol")) policies.push(p);
  }
})(path.join(root, "policies"));
const file = policies.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
const uri = "file://" + file;
const text = fs.readFileSync(file, "utf8");
const lines = text.split("\n");

async function main() {
  const server = spawn(pol, ["lsp"], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => server.on("exit", (code) => resolve(code)));
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
  const published = [];
  let waiting = null;
  connection.onNotification("textDocument/publishDiagnostics", (params) => {
    published.push({ at: process.hrtime.bigint(), params });
    if (waiting) waiting();
  });
  connection.listen();
  const nextDiagnostics = (count) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no diagnostics within 5 s")), 5000);
      waiting = () => {
        if (published.length >= count) {
          clearTimeout(timer);
          waiting = null;
          resolve(published[count - 1].params);
        }
      };
      waiting();
    });
  const timings = {};
  const timed = async (name, method, params) => {
    const start = process.hrtime.bigint();
    const result = await connection.sendRequest(method, params);
    (timings[name] = timings[name] || []).push(Number(process.hrtime.bigint() - start) / 1e6);
    return result;
  };
  const at = (needle, offset = 0, from = 0) => {
    for (let i = from; i < lines.length; i++) {
      const c = lines[i].indexOf(needle);
      if (c >= 0) return { line: i, character: c + offset };
    }
    throw new Error(`"${needle}" is not in ${file}`);
  };
  const doc = { uri };

  const init = await connection.sendRequest("initialize", { processId: process.pid, rootUri: "file://" + root, capabilities: { textDocument: { hover: { contentFormat: ["markdown", "plaintext"] } } } });
  check("initialize names the server's capabilities", init.capabilities.hoverProvider && init.capabilities.completionProvider && init.capabilities.textDocumentSync.change === 1, init);
  connection.sendNotification("initialized", {});

  // open the largest policy: no errors
  let version = 1;
  connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "pol", version, text } });
  const opened = await nextDiagnostics(1);
  check("the shipped policy opens with no errors", opened.uri === uri && opened.diagnostics.every((d) => d.severity !== 1), opened);

  // type a new output at the end, one character at a time, as an editor sends each keystroke
  const typed = "output doubled_pay = annual_pay * 2";
  const changeTimes = [];
  let edited = text;
  let sawError = false;
  for (const ch of typed) {
    edited += ch;
    const start = process.hrtime.bigint();
    connection.sendNotification("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ text: edited }] });
    const d = await nextDiagnostics(version);
    changeTimes.push(Number(published[version - 1].at - start) / 1e6);
    if (d.diagnostics.some((x) => x.severity === 1)) sawError = true;
  }
  const finished = published[published.length - 1].params;
  check("every keystroke gets its diagnostics", published.length === 1 + typed.length, published.length);
  check("a half-typed line is an error while it is typed", sawError);
  check("the finished line checks clean", finished.diagnostics.every((d) => d.severity !== 1), finished);
  timings.diagnostics = changeTimes;

  // a typo: an error on the name, its help as related information, and a quick fix
  const typo = edited.replace("annual_pay * 2", "anual_pay * 2");
  connection.sendNotification("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ text: typo }] });
  const typoDiagnostics = await nextDiagnostics(version);
  const error = typoDiagnostics.diagnostics.find((d) => d.code === "E0201");
  const typoLine = typo.split("\n").length - 1;
  check("an unknown name is an error on that name", error && error.range.start.line === typoLine && error.range.end.character - error.range.start.character === "anual_pay".length, typoDiagnostics);
  check("its help comes as related information", error && error.relatedInformation && error.relatedInformation[0].message.includes("did you mean 'annual_pay'"), error);
  const actions = await timed("codeAction", "textDocument/codeAction", { textDocument: doc, range: error.range, context: { diagnostics: [error] } });
  check("the help's 'did you mean' is a quick fix", actions.length === 1 && actions[0].kind === "quickfix" && actions[0].edit.changes[uri][0].newText === "annual_pay", actions);
  connection.sendNotification("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ text }] });
  await nextDiagnostics(version);

  // hover
  const use = at("clamp(annual_pay", 8);
  const hover = await timed("hover", "textDocument/hover", { textDocument: doc, position: use });
  check("hover on an input gives its kind and declaration", hover && hover.contents.value.includes("**input**") && hover.contents.value.includes("annual_pay: money"), hover);
  const dated = await timed("hover", "textDocument/hover", { textDocument: doc, position: at("exit_payment_cap as of", 3) });
  check("hover on a param gives its values by date and today's, with its source", dated && dated.contents.value.includes("£95,000") && dated.contents.value.includes("Today (") && dated.contents.value.includes("Source: SI 2020/1122"), dated);
  const builtin = await timed("hover", "textDocument/hover", { textDocument: doc, position: at("round(", 1) });
  check("hover on a built-in gives its signature", builtin && builtin.contents.value.includes("round(x, places | increment"), builtin);
  const variant = await timed("hover", "textDocument/hover", { textDocument: doc, position: at("= CR", 3, at("exception when contract == fixed_term_expiry").line) });
  check("hover on an enum value gives its label", variant && variant.contents.value.includes("Compulsory Redundancy"), variant);

  // definition and references
  const floorUse = at("pay_floor, pay_cap", 1);
  const definition = await timed("definition", "textDocument/definition", { textDocument: doc, position: floorUse });
  check("definition goes to the declaration", definition && definition.range.start.line === at("param pay_floor").line && definition.range.start.character === "param ".length, definition);
  const refs = await timed("references", "textDocument/references", { textDocument: doc, position: use, context: { includeDeclaration: true } });
  const expected = text.split("\n").filter((l) => !l.trimStart().startsWith("#")).join("\n").replace(/"[^"]*"/g, (s) => s.replace(/annual_pay/g, "")).match(/\bannual_pay\b/g).length;
  check("references find every use and the declaration", refs.length >= expected && refs.every((r) => r.uri === uri), `${refs.length} vs ${expected}`);
  const withoutDeclaration = await timed("references", "textDocument/references", { textDocument: doc, position: use, context: { includeDeclaration: false } });
  check("references without the declaration leave it out", withoutDeclaration.length === refs.length - 1, `${withoutDeclaration.length}`);

  // rename
  const edit = await timed("rename", "textDocument/rename", { textDocument: doc, position: floorUse, newName: "salary_floor" });
  const edits = edit.changes[uri];
  let renamed = text.split("\n");
  for (const e of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
    const l = renamed[e.range.start.line];
    renamed[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
  }
  renamed = renamed.join("\n");
  const renamedFile = path.join(require("os").tmpdir(), `pol-lsp-rename-${process.pid}.pol`);
  fs.writeFileSync(renamedFile, renamed);
  const recheck = (() => { try { execFileSync(pol, ["test", renamedFile], { stdio: "pipe" }); return true; } catch (e) { return e.stdout.toString(); } })();
  fs.unlinkSync(renamedFile);
  check("rename changes every use, and the policy still checks and passes its tests", edits.length >= 2 && !/\bpay_floor\b/.test(renamed) && recheck === true, recheck);
  let refused = null;
  try { await connection.sendRequest("textDocument/rename", { textDocument: doc, position: floorUse, newName: "input" }); } catch (e) { refused = e; }
  check("a keyword is refused as a new name", refused && /keyword/.test(refused.message), refused && refused.message);

  // completion
  const blank = { line: lines.length - 1, character: 0 };
  const completion = await timed("completion", "textDocument/completion", { textDocument: doc, position: blank });
  const labels = new Map(completion.items.map((i) => [i.label, i]));
  check("completion offers keywords, the policy's names, enum values, columns and built-ins",
    labels.has("output") && labels.has("annual_pay") && labels.has("pay_floor") && labels.has("VR") && labels.has("months") && labels.has("round"), [...labels.keys()].slice(0, 50));
  check("a built-in comes with its signature", labels.get("round").detail.startsWith("round(x"), labels.get("round"));
  check("an enum value comes with its label", labels.get("VR").detail.includes("Voluntary Redundancy"), labels.get("VR"));
  check("the standard library's functions come with their signatures", labels.has("rounding.to_pence") && labels.get("rounding.to_pence").detail.includes("(x: money) -> money"), labels.get("rounding.to_pence"));
  const module = text + "\nlet p = rounding.";
  connection.sendNotification("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ text: module }] });
  await nextDiagnostics(version);
  const members = await timed("completion", "textDocument/completion", { textDocument: doc, position: { line: module.split("\n").length - 1, character: "let p = rounding.".length } });
  check("after 'rounding.' completion offers that module's functions", members.items.some((i) => i.label === "to_pence") && members.items.every((i) => !i.label.includes(".")), members.items);
  connection.sendNotification("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ text }] });
  await nextDiagnostics(version);

  // symbols
  const symbols = await timed("symbols", "textDocument/documentSymbol", { textDocument: doc });
  const names = new Set(symbols.map((s) => s.name));
  const declared = [...text.matchAll(/^(?:input|param|let|output|rule|table|enum|fn)\s+(\w+)/gm)].map((m) => m[1]);
  check("every declaration is a symbol", declared.every((n) => names.has(n)), declared.filter((n) => !names.has(n)));
  const capSymbol = symbols.find((s) => s.name === "exit_payment_cap");
  check("a param's periods are its children", capSymbol && capSymbol.children.length === 3, capSymbol);

  // formatting: the same as pol fmt
  const messy = text.replace("param pay_floor: money = £23,000", "param   pay_floor :money=£23,000");
  connection.sendNotification("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ text: messy }] });
  await nextDiagnostics(version);
  const formatted = await timed("formatting", "textDocument/formatting", { textDocument: doc, options: { tabSize: 2, insertSpaces: true } });
  const byFmt = execFileSync(pol, ["fmt", "-"], { input: messy }).toString();
  check("formatting gives pol fmt's layout", formatted.length === 1 && formatted[0].newText === byFmt, formatted);

  connection.sendNotification("textDocument/didClose", { textDocument: doc });
  const closed = await nextDiagnostics(version + 1);
  check("closing a document clears its diagnostics", closed.diagnostics.length === 0);
  await connection.sendRequest("shutdown");
  connection.sendNotification("exit");
  const code = await exited;
  check("the server exits 0 after shutdown and exit", code === 0, code);

  if (bench) {
    console.log(`pol lsp on ${path.relative(root, file)} (${lines.length} lines): milliseconds per answer`);
    for (const [name, t] of Object.entries(timings)) {
      const sorted = [...t].sort((a, b) => a - b);
      const pct = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
      console.log(`  ${name.padEnd(12)} n=${String(t.length).padStart(3)}  median ${pct(0.5)}  p99 ${pct(0.99)}  max ${sorted[sorted.length - 1].toFixed(2)}`);
    }
  }
  console.log(`lsp: ${failures} failure(s)`);
  process.exit(failures ? 1 : 0);
}
main().catch((e) => {
  console.log(e.stack);
  process.exit(1);
});
