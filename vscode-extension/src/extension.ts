// Entry point of the Reml extension.
import * as vscode from 'vscode';
import { RemlClient } from './client';
import { COMMANDS, registerCommands } from './commands';
import { DiagnosticDataStore } from './diagnosticData';
import { RESTART_KEYS } from './settings';
import { RemlStatus } from './status';

let reml: RemlClient | undefined;

export interface RemlApi {
  /** Used by tests: the server's state and declared commands. */
  isRunning(): boolean;
  serverCommands(): string[];
}

export async function activate(context: vscode.ExtensionContext): Promise<RemlApi> {
  const output = vscode.window.createOutputChannel('Reml');
  const traceOutput = vscode.window.createOutputChannel('Reml Trace');
  const status = new RemlStatus(COMMANDS.showOutput);
  const data = new DiagnosticDataStore();
  reml = new RemlClient(output, traceOutput, status, data);
  context.subscriptions.push(output, traceOutput, status, data, reml);
  status.show();
  output.appendLine(`[reml] extension ${context.extension.packageJSON.version} activated (VS Code ${vscode.version})`);

  registerCommands(context, reml);

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (RESTART_KEYS.some((k) => e.affectsConfiguration(k))) {
        await reml?.restart();
      } else if (e.affectsConfiguration('reml')) {
        reml?.notifyConfiguration();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      // Executable paths from workspace settings are honoured only in a trusted workspace.
      await reml?.restart();
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => data.forget(doc.uri)),
  );

  await reml.start();
  const client = reml;
  return {
    isRunning: () => client.isRunning(),
    serverCommands: () => client.serverCommands(),
  };
}

export async function deactivate(): Promise<void> {
  await reml?.stop();
  reml = undefined;
}
