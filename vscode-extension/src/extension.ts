// Entry point of the Reml extension.
import * as vscode from 'vscode';
import { RemlClient } from './client';
import { LOCAL_COMMANDS, registerLocalCommands } from './commands';
import { RESTART_KEYS } from './settings';
import { RemlStatus } from './status';

let reml: RemlClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Reml');
  const traceOutput = vscode.window.createOutputChannel('Reml Trace');
  const status = new RemlStatus(LOCAL_COMMANDS.showOutput);
  const client = new RemlClient(output, traceOutput, status);
  reml = client;
  context.subscriptions.push(output, traceOutput, status, client);
  status.show();
  output.appendLine(`[reml] extension ${context.extension.packageJSON.version} activated (VS Code ${vscode.version})`);
  registerLocalCommands(context, () => client.restart(), output);
  context.subscriptions.push(
    // The other `reml.*` settings reach the running server (client.ts: synchronize).
    vscode.workspace.onDidChangeConfiguration((e) => RESTART_KEYS.some((k) => e.affectsConfiguration(k)) && client.restart()),
    // Executable paths from workspace settings are honoured only in a trusted workspace.
    vscode.workspace.onDidGrantWorkspaceTrust(() => client.restart()),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  await reml?.stop();
  reml = undefined;
}
