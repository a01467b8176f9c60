// Starts pol's language server (`pol lsp`) for .pol files: diagnostics as pol check gives them,
// hover, definitions, references, rename, completion, symbols, formatting and quick fixes.
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("pol").get("path") || "pol";
  const extra = vscode.workspace.getConfiguration("pol").get("importPath") || [];
  const serverOptions = { command, args: ["lsp", ...extra.flatMap((p) => ["--path", p])] };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "pol" },
      { scheme: "untitled", language: "pol" },
    ],
  };
  client = new LanguageClient("pol", "pol language server", serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
