// Starts `tickc lsp` for TICKscript files. No build step: VS Code loads this
// file as is once `npm install` has fetched vscode-languageclient.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace
    .getConfiguration("tickscript")
    .get("server.path", "tickc");
  const serverOptions = {
    command,
    args: ["lsp"],
    transport: TransportKind.stdio,
  };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "tickscript" },
      { scheme: "untitled", language: "tickscript" },
    ],
  };
  client = new LanguageClient("tickscript", "TICKscript (tickc lsp)", serverOptions, clientOptions);
  // A missing tickc is reported once in the output panel, not per keystroke.
  client.start().catch((err) => {
    vscode.window.showErrorMessage(
      `TICKscript: cannot start '${command} lsp' (${err.message}); set tickscript.server.path.`
    );
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
