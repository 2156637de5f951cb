// Owns the LanguageClient: finding the server, starting, restarting, and the middleware that
// adds what vscode-languageclient cannot know (arguments asked for in the editor, the status
// bar's stream counters, settings without VS Code's empty defaults).
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, RevealOutputChannelOn, ServerOptions, State, TransportKind } from 'vscode-languageclient/node';
import { askArguments } from './commands';
import { documentSelector, MANIFEST_NAME } from './configSelector';
import type { RuntimeCommandSummary } from './generated/runtimeResults';
import { findBundledServer, notifyNoPython } from './python';
import { initializationOptions, openServerSettings, readSettings, resolveCli, SECTION, serverArgv } from './settings';
import { RemlStatus } from './status';
import { serverSettings } from './util';

export const CLIENT_ID = 'reml';
export const CLIENT_NAME = 'Reml Language Server';
/** Custom notification of the server (server/reml_lsp/lsp/names.py NOTIFY_RUNTIME_RESULT). */
export const RUNTIME_RESULT = 'reml/runtimeResult';
/** Context key for the palette: the server's commands exist only while it runs. */
const RUNNING_CONTEXT = 'reml.serverRunning';

export class RemlClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    readonly output: vscode.OutputChannel,
    readonly traceOutput: vscode.OutputChannel,
    readonly status: RemlStatus,
  ) {}

  async start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const settings = readSettings();
    let cli = resolveCli(settings, folderPaths(), vscode.workspace.isTrusted);
    if (!cli || cli.fallback) {
      // Nothing configured or installed: the server bundled in the VSIX, with a Python found here.
      const bundled = await findBundledServer(vscode.workspace.workspaceFolders?.[0]?.uri);
      if (bundled.cli) {
        cli = bundled.cli;
      } else if (bundled.hasBundle) {
        this.status.setState('unconfigured', 'No Python 3.11 or newer found for the bundled language server.');
        void notifyNoPython(bundled.tried, this.output);
        return;
      }
    }
    if (!cli) {
      this.status.setState('unconfigured', 'No reml-run found: set reml.server.command or reml.server.pythonPath.');
      this.output.appendLine('[reml] no reml-run found on PATH and no python3; set "reml.server.command".');
      // Not awaited: activation must not wait for the user to answer.
      void vscode.window.showErrorMessage('Reml: cannot find `reml-run`. Set "reml.server.command" or "reml.server.pythonPath".', 'Open Settings')
        .then((choice) => choice && openServerSettings());
      return;
    }
    const args = serverArgv(cli, settings);
    this.output.appendLine(`[reml] starting ${cli.command} ${args.join(' ')}  (${cli.source})`);
    // PYTHONSAFEPATH: `python -m` must not import modules planted in the workspace folder.
    const options = { cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, env: { ...process.env, PYTHONSAFEPATH: '1', ...cli.env } };
    const run = { command: cli.command, args, transport: TransportKind.stdio, options };
    const serverOptions: ServerOptions = { run, debug: run };
    const status = this.status;
    const clientOptions: LanguageClientOptions = {
      // Reml sources, every reml.toml and the files its [config.schemas] names (by pattern, so
      // with or without a TOML extension): the server reports their config findings.
      documentSelector: documentSelector(await manifests()),
      outputChannel: this.output,
      traceOutputChannel: this.traceOutput,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: initializationOptions(),
      // A change of the `reml` section is announced with `settings: null` (middleware below): the
      // server then pulls it with workspace/configuration. No fileEvents: the server indexes the
      // workspace's files itself (by mtime).
      synchronize: { configurationSection: SECTION },
      diagnosticPullOptions: { onChange: true, onSave: true, onTabs: false },
      markdown: { isTrusted: false, supportHtml: false },
      middleware: {
        executeCommand: askArguments(this.output),
        workspace: {
          didChangeConfiguration: (_sections, next) => next(undefined),
          async configuration(params, token, next) {
            const result = await next(params, token);
            return Array.isArray(result)
              ? result.map((value, i) => (params.items[i]?.section === SECTION ? serverSettings(value) : value))
              : result;
          },
        },
        handleDiagnostics(uri, diagnostics, next) {
          status.noteDiagnostics(diagnostics);
          next(uri, diagnostics);
        },
        async provideDiagnostics(document, previousResultId, token, next) {
          const report = await next(document, previousResultId, token);
          if (report?.kind === 'full') {
            status.noteDiagnostics(report.items);
          }
          return report;
        },
      },
    };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    this.client = client;
    client.onNotification(RUNTIME_RESULT, (result: RuntimeCommandSummary) => {
      // The server has shown the status and audit_id; the whole result goes to the output.
      this.output.appendLine(`[reml] ${result.command}: ${result.status} ${JSON.stringify(result, null, 2)}`);
    });
    let everRunning = false;
    client.onDidChangeState((e) => {
      void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, e.newState === State.Running);
      if (e.newState === State.Running) {
        everRunning = true;
        this.status.setState('running', `${cli.command} ${args.join(' ')}`);
      } else if (e.newState === State.Starting) {
        this.status.setState('starting');
      } else if (this.client === client && !everRunning) {
        this.status.setState('failed', 'The server exited before it was ready; see the Reml output.');
      } else if (this.status.getState() !== 'failed') {
        this.status.setState('stopped');
      }
    });
    this.status.setState('starting');
    try {
      await client.start();
      const info = client.initializeResult?.serverInfo;
      const commands = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
      this.output.appendLine(`[reml] server running${info ? `: ${info.name} ${info.version ?? ''}` : ''}; commands: ${commands.join(', ') || '(none)'}`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.status.setState('failed', message);
      this.output.appendLine(`[reml] the server failed to start: ${message}`);
      void vscode.window.showErrorMessage(`Reml: the language server failed to start: ${message}`, 'Show Output')
        .then((choice) => choice && this.output.show(true));
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (err) {
        this.output.appendLine(`[reml] stop: ${err instanceof Error ? err.message : String(err)}`);
      }
      await client.dispose();
    }
    this.status.setState('stopped');
  }

  async restart(): Promise<void> {
    this.output.appendLine('[reml] restarting the language server');
    await this.stop();
    await this.start();
  }

  dispose(): void {
    void this.stop();
  }
}

/** Each file-scheme folder's path and its `reml.toml` text (undefined when unreadable). */
async function manifests(): Promise<{ path: string; manifest: string | undefined }[]> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  return Promise.all(folders.map(async (f) => {
    try {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(f.uri, MANIFEST_NAME));
      return { path: f.uri.fsPath, manifest: new TextDecoder().decode(bytes) };
    } catch {
      return { path: f.uri.fsPath, manifest: undefined };
    }
  }));
}

function folderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}
