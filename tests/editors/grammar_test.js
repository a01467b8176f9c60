// The VS Code extension's TextMate grammar, tokenized by vscode-textmate with the Oniguruma
// engine VS Code uses, over every shipped policy: each kind of token gets its scope, and no line
// ends with a rule left open or a token marked invalid.
"use strict";
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const root = process.argv[2];
const grammarPath = path.join(root, "editors/vscode/syntaxes/pol.tmLanguage.json");
let failures = 0;
function check(description, ok, detail) {
  if (!ok) {
    failures++;
    console.log(`FAIL: ${description}` + (detail ? `\n${detail}` : ""));
  }
}

function policyFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...policyFiles(p));
    else if (entry.name.endsWith(".pol")) out.push(p);
  }
  return out.sort();
}

async function main() {
  await oniguruma.loadWASM(fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => (scope === "source.pol" ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath) : null),
  });
  const grammar = await registry.loadGrammar("source.pol");
  const files = [...policyFiles(path.join(root, "policies")), ...policyFiles(path.join(root, "stdlib")), path.join(root, "bench/tariff.pol")];
  check("the shipped policies are found", files.length >= 10, String(files.length));
  const seen = { money: 0, date: 0, keyword: 0, interpolation: 0, pipe: 0, comment: 0, unit: 0 };
  for (const file of files) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    let state = vsctm.INITIAL;
    lines.forEach((line, n) => {
      const where = `${path.relative(root, file)}:${n + 1}: ${line}`;
      const r = grammar.tokenizeLine(line, state);
      state = r.ruleStack;
      check("a line ends with no rule left open", state.depth === 1, where);
      const tokens = r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
      const has = (t, scope) => t.scopes.some((s) => s.startsWith(scope));
      for (const t of tokens) {
        check("no token is invalid", !t.scopes.some((s) => s.startsWith("invalid")), `${where}\n  "${t.text}": ${t.scopes.join(" ")}`);
        const inText = has(t, "comment") || (has(t, "string") && !has(t, "meta.interpolation"));
        if (inText) {
          if (has(t, "comment")) seen.comment++;
          continue;
        }
        if (/^£\d/.test(t.text)) {
          check("money is a money literal", has(t, "constant.numeric.money") && /^£\d{1,3}(,\d{3})*(\.\d+)?$|^£\d+(\.\d+)?$/.test(t.text), `${where}\n  "${t.text}": ${t.scopes.join(" ")}`);
          seen.money++;
        }
        if (/^\d{4}-\d{2}-\d{2}$/.test(t.text)) {
          check("a date is a date literal", has(t, "constant.numeric.date"), `${where}\n  "${t.text}"`);
          seen.date++;
        }
        if (has(t, "constant.numeric.date")) check("only dates are dates", /^\d{4}-\d{2}-\d{2}$/.test(t.text), `${where}\n  "${t.text}"`);
        if (["input", "param", "output", "rule", "table", "policy", "enum", "record", "fn", "let", "require", "test", "import"].includes(t.text) && /^\s*$/.test(line.slice(0, line.indexOf(t.text)))) {
          check("a declaration starts with its keyword", has(t, "keyword.declaration"), `${where}\n  "${t.text}": ${t.scopes.join(" ")}`);
          seen.keyword++;
        }
        if (["exception", "default", "when", "source", "if", "then", "else", "hit", "from", "requires"].includes(t.text)) {
          check("a keyword is a keyword", has(t, "keyword"), `${where}\n  "${t.text}": ${t.scopes.join(" ")}`);
          seen.keyword++;
        }
        if (["and", "or", "not", "in"].includes(t.text)) check("a logical operator is an operator", has(t, "keyword.operator.logical"), `${where}\n  "${t.text}"`);
        if (/^(years?|months?|days?|hours?|weeks?)$/.test(t.text) && has(t, "keyword.other.unit")) seen.unit++;
        if (has(t, "meta.interpolation") && has(t, "variable")) seen.interpolation++;
      }
      // table rows: every pipe outside text and comments separates cells
      if (/^\s*\|/.test(line)) {
        const pipes = tokens.filter((t) => t.text.includes("|") && !has(t, "string") && !has(t, "comment"));
        check("a table row's pipes separate cells", pipes.length >= 2 && pipes.every((t) => t.text === "|" && has(t, "punctuation.separator.table")), where);
        seen.pipe += pipes.length;
      }
      // text with {…}: the part inside the braces is an expression, the rest is text
      for (const m of line.matchAll(/"[^"]*\{([a-z_]+)[^"]*"/g)) {
        const at = line.indexOf("{" + m[1], m.index) + 1;
        const token = r.tokens.find((t) => t.startIndex <= at && at < t.endIndex);
        check("a name inside {…} in text is an expression inside the string", token && token.scopes.includes("string.quoted.double.pol") && token.scopes.includes("meta.interpolation.pol"), where);
      }
    });
  }
  for (const [kind, count] of Object.entries(seen)) {
    if (kind !== "unit") check(`the policies give ${kind} tokens to check`, count > 0, String(count));
  }
  // forms the shipped policies do not use
  const scopesOf = (line) => {
    const r = grammar.tokenizeLine(line, vsctm.INITIAL);
    return r.tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes.slice(1).join(" ")]);
  };
  const probe = scopesOf('let notice = 12 weeks + 5% of pay  # a comment with "quotes" and {braces}');
  check("a duration's unit is a unit", probe.some(([t, s]) => t === "weeks" && s.includes("keyword.other.unit")), JSON.stringify(probe));
  check("a percentage is a percentage", probe.some(([t, s]) => t === "5%" && s.includes("constant.numeric.percent")), JSON.stringify(probe));
  check("a comment runs to the end of the line", probe.some(([t, s]) => t.includes("{braces}") && s.includes("comment")), JSON.stringify(probe));
  const escaped = scopesOf('output x = "a \\"quoted\\" word and \\{not braces\\}"');
  check("escapes in text are escapes, and an escaped brace opens nothing", escaped.some(([t, s]) => t === '\\"' && s.includes("constant.character.escape")) && !escaped.some(([, s]) => s.includes("interpolation")), JSON.stringify(escaped));
  console.log(`grammar: ${files.length} files; ${JSON.stringify(seen)}; ${failures} failure(s)`);
  process.exit(failures ? 1 : 0);
}
main().catch((e) => {
  console.log(e.stack);
  process.exit(1);
});
