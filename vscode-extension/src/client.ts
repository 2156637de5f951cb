// Owns the LanguageClient: finding the server, starting, restarting, and the middleware that
// records Diagnostic.data for the status bar and the audit command.
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { documentSelector, MANIFEST_NAME } from './configSelector';
import { DiagnosticDataStore } from './diagnosticData';
import { findBundledServer, notifyNoPython } from './python';
import { CliCommand, initializationOptions, readSettings, resolveCli, serverArgv } from './settings';
import { serverSettings, statusOf } from './util';
import { RemlStatus } from './status';

export const CLIENT_ID = 'reml';
export const CLIENT_NAME = 'Reml Language Server';
/** Custom notification of the server (server/reml_lsp/lsp/names.py NOTIFY_RUNTIME_RESULT). */
export const RUNTIME_RESULT = 'reml/runtimeResult';
/** The server's environment: `python -m` must not import modules from the workspace folder. */
const SAFE_ENV: NodeJS.ProcessEnv = { ...process.env, PYTHONSAFEPATH: '1' };

export class RemlClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  private cli: CliCommand | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly output: vscode.OutputChannel,
    readonly traceOutput: vscode.OutputChannel,
    readonly status: RemlStatus,
    readonly data: DiagnosticDataStore,
  ) {
    this.disposables.push(data.onStreamMeta((meta) => status.setStreamMeta(meta)));
  }

  get languageClient(): LanguageClient | undefined {
    return this.client;
  }

  /** The `reml-run` the server was (or would be) started with. */
  cliCommand(): CliCommand | undefined {
    return this.cli ?? resolveCli(readSettings(), folderPaths(), vscode.workspace.isTrusted);
  }

  isRunning(): boolean {
    return this.client?.state === State.Running;
  }

  /** Commands the server declared in `executeCommandProvider`. */
  serverCommands(): string[] {
    return this.client?.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  }

  async start(): Promise<void> {
    if (this.starting) {
      return this.starting;
    }
    this.starting = this.doStart().finally(() => (this.starting = undefined));
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
        this.cli = undefined;
        this.status.setState('unconfigured', 'No Python 3.11 or newer found for the bundled language server.');
        void notifyNoPython(bundled.tried, this.output);
        return;
      }
    }
    this.cli = cli;
    if (!cli) {
      this.status.setState('unconfigured', 'No reml-run found: set reml.server.command or reml.server.pythonPath.');
      this.output.appendLine('[reml] no reml-run found on PATH and no python3; set "reml.server.command".');
      void vscode.window
        .showErrorMessage('Reml: cannot find `reml-run`. Set "reml.server.command" or "reml.server.pythonPath".', 'Open Settings')
        .then((choice) => {
          if (choice) {
            void vscode.commands.executeCommand('workbench.action.openSettings', 'reml.server');
          }
        });
      return;
    }
    const args = serverArgv(cli, settings);
    this.output.appendLine(`[reml] starting ${cli.command} ${args.join(' ')}  (${cli.source})`);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const env = { ...SAFE_ENV, ...cli.env };
    const serverOptions: ServerOptions = {
      // PYTHONSAFEPATH: `python -m` must not import modules planted in the workspace folder.
      run: { command: cli.command, args, transport: TransportKind.stdio, options: { cwd: folder, env } },
      debug: { command: cli.command, args, transport: TransportKind.stdio, options: { cwd: folder, env } },
    };
    const data = this.data;
    const clientOptions: LanguageClientOptions = {
      // Reml sources, every reml.toml and the files its [config.schemas] names (by pattern, so
      // with or without a TOML extension): the server reports their config findings.
      documentSelector: documentSelector(await manifests()),
      outputChannel: this.output,
      traceOutputChannel: this.traceOutput,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: initializationOptions(settings, cli),
      // Settings reach the server through workspace/configuration (cleaned by the middleware
      // below) and our own didChangeConfiguration (notifyConfiguration), not configurationSection.
      // No fileEvents: the server indexes the workspace's files itself (by mtime).
      diagnosticPullOptions: { onChange: true, onSave: true, onTabs: false },
      markdown: { isTrusted: false, supportHtml: false },
      middleware: {
        workspace: {
          async configuration(params, token, next) {
            const result = await next(params, token);
            if (!Array.isArray(result)) {
              return result;
            }
            return result.map((value, i) => (params.items[i]?.section === 'reml' ? serverSettings(value) : value));
          },
        },
        handleDiagnostics(uri, diagnostics, next) {
          data.record(uri, diagnostics);
          next(uri, diagnostics);
        },
        async provideDiagnostics(document, previousResultId, token, next) {
          const report = await next(document, previousResultId, token);
          const uri = document instanceof vscode.Uri ? document : document.uri;
          if (report && report.kind === 'full') {
            data.record(uri, report.items);
          }
          return report;
        },
      },
    };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    this.client = client;
    client.onNotification(RUNTIME_RESULT, (params: unknown) => this.onRuntimeResult(params));
    let everRunning = false;
    client.onDidChangeState((e) => {
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
      this.output.appendLine(
        `[reml] server running${info ? `: ${info.name} ${info.version ?? ''}` : ''}; commands: ${this.serverCommands().join(', ') || '(none)'}`,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.status.setState('failed', message);
      this.output.appendLine(`[reml] the server failed to start: ${message}`);
      void vscode.window.showErrorMessage(`Reml: the language server failed to start: ${message}`, 'Show Output').then((c) => {
        if (c) {
          this.output.show(true);
        }
      });
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

  /** Sends the settings again (the server may also pull them with workspace/configuration). */
  notifyConfiguration(): void {
    if (this.isRunning()) {
      void this.client?.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { reml: serverSettings(vscode.workspace.getConfiguration().get('reml')) },
      });
    }
  }

  /** `reml/runtimeResult`: the outcome of a runtime operation the server ran. */
  private onRuntimeResult(params: unknown): void {
    this.output.appendLine(`[reml] runtime result: ${JSON.stringify(params, null, 2)}`);
    if (params && typeof params === 'object') {
      const p = params as Record<string, unknown>;
      const what = typeof p.command === 'string' ? p.command : 'runtime operation';
      const status = statusOf(p);
      if (status) {
        vscode.window.setStatusBarMessage(`Reml: ${what}: ${status}`, 8000);
      }
    }
  }

  /** workspace/executeCommand on the server; starts it first when needed. */
  async executeServerCommand(command: string, args: unknown[]): Promise<unknown> {
    if (!this.isRunning()) {
      await this.start();
    }
    const client = this.client;
    if (!client || !this.isRunning()) {
      throw new Error('the Reml language server is not running');
    }
    const declared = this.serverCommands();
    if (declared.length > 0 && !declared.includes(command)) {
      throw new Error(`the server does not provide the command ${command} (it has: ${declared.join(', ')})`);
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
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

export function folderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}
