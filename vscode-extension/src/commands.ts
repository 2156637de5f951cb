// The extension's commands. Runtime operations (reload, rollback, GPU, instruments) go through the
// server's workspace/executeCommand so the server can audit them and shell out to the runtime with
// a timeout; lint of a whole folder and `audit show` run the `reml-run` command line directly.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { collectLintFindings, EXIT_LABELS, rangeOf, runCli, severityOf } from './cli';
import { RemlClient } from './client';
import { RecordedDiagnostic } from './diagnosticData';
import { expandPath, isPlainObject, statusOf } from './util';

export const COMMANDS = {
  restartServer: 'reml.restartServer',
  showOutput: 'reml.showOutput',
  lintWorkspace: 'reml.lintWorkspaceFolders',
  reload: 'reml.reloadConfig',
  rollback: 'reml.rollbackConfig',
  gpuLaunch: 'reml.gpuLaunch',
  instrumentQuery: 'reml.instrumentQuery',
  instrumentTelemetry: 'reml.instrumentTelemetry',
  showAuditEntry: 'reml.openAuditEntry',
} as const;

/** Server-side commands (`executeCommandProvider.commands`), see server/reml_lsp/lsp. */
export const SERVER_COMMANDS = {
  reload: 'reml.reload',
  rollback: 'reml.rollback',
  diff: 'reml.diff',
  gpuLaunch: 'reml.gpu.launch',
  instrumentQuery: 'reml.instrument.query',
  instrumentTelemetry: 'reml.instrument.telemetry',
  applyFix: 'reml.applyFix',
  showAuditEntry: 'reml.showAuditEntry',
  lintWorkspace: 'reml.lintWorkspace',
} as const;

export function registerCommands(context: vscode.ExtensionContext, reml: RemlClient): void {
  const lintCollection = vscode.languages.createDiagnosticCollection('reml-lint');
  context.subscriptions.push(lintCollection);
  // The server owns diagnostics of open documents; drop the lint results for them.
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (doc.languageId === 'reml' && reml.isRunning()) {
        lintCollection.delete(doc.uri);
      }
    }),
  );

  const register = (id: string, fn: (...args: unknown[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  };

  register(COMMANDS.restartServer, async () => {
    await reml.restart();
  });

  register(COMMANDS.showOutput, () => {
    reml.output.show(true);
  });

  register(COMMANDS.lintWorkspace, () => lintWorkspace(reml, lintCollection));

  register(COMMANDS.reload, async (arg?: unknown) => {
    const params = isRecord(arg) ? arg : await reloadArguments(reml, arg instanceof vscode.Uri ? arg : undefined);
    if (!params) {
      return;
    }
    // The server runs the dry run, asks (window/showMessageRequest: Apply / Cancel), then
    // applies; it shows the status and audit_id itself.
    return runtimeOperation(reml, 'reload', SERVER_COMMANDS.reload, [params]);
  });

  register(COMMANDS.rollback, async (arg?: unknown) => {
    let params = isRecord(arg) ? arg : undefined;
    if (!params) {
      const state = await pickStateFile(arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri);
      if (!state) {
        return;
      }
      params = { state: state.uri.fsPath };
    }
    // The server runs a dry run and asks (Apply / Cancel, naming the state and the versions).
    return runtimeOperation(reml, 'rollback', SERVER_COMMANDS.rollback, [params]);
  });

  register(COMMANDS.gpuLaunch, async (arg?: unknown) => {
    const params = isRecord(arg) ? arg : await askGpuLaunch(reml);
    if (!params) {
      return;
    }
    return runtimeOperation(reml, 'GPU launch', SERVER_COMMANDS.gpuLaunch, [params]);
  });

  register(COMMANDS.instrumentQuery, async (arg?: unknown) => {
    let params = isRecord(arg) ? arg : undefined;
    if (!params) {
      const resource = await vscode.window.showInputBox({
        title: 'Reml: Query Instrument',
        prompt: 'VISA resource name',
        placeHolder: 'GPIB0::5::INSTR',
        ignoreFocusOut: true,
      });
      if (!resource) {
        return;
      }
      const query = await vscode.window.showInputBox({
        title: 'Reml: Query Instrument',
        prompt: 'SCPI query',
        value: '*IDN?',
        ignoreFocusOut: true,
      });
      if (!query) {
        return;
      }
      params = { resource, command: query };
    }
    return runtimeOperation(reml, 'instrument query', SERVER_COMMANDS.instrumentQuery, [params]);
  });

  register(COMMANDS.instrumentTelemetry, async (arg?: unknown) => {
    let params = isRecord(arg) ? arg : undefined;
    if (!params) {
      const resource = await vscode.window.showInputBox({
        title: 'Reml: Instrument Telemetry',
        prompt: 'VISA resource name (empty: every configured instrument)',
        placeHolder: 'GPIB0::5::INSTR',
        ignoreFocusOut: true,
      });
      if (resource === undefined) {
        return;
      }
      params = resource ? { resource } : {};
    }
    return runtimeOperation(reml, 'instrument telemetry', SERVER_COMMANDS.instrumentTelemetry, [params]);
  });

  register(COMMANDS.showAuditEntry, () => showAuditEntry(reml));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof vscode.Uri);
}

const STATE_FORMAT = 'reml.runtime.state/';

interface StateFile {
  uri: vscode.Uri;
  /** The config file the state was made from (`config_source.path`), resolved. */
  source: string | undefined;
  /** The live config snapshot. */
  config: unknown;
}

async function readState(uri: vscode.Uri): Promise<StateFile | undefined> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > 16 * 1024 * 1024) {
      return undefined;
    }
    const doc = JSON.parse(new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri)));
    if (!isPlainObject(doc) || typeof doc.format !== 'string' || !doc.format.startsWith(STATE_FORMAT)) {
      return undefined;
    }
    const src = isPlainObject(doc.config_source) && typeof doc.config_source.path === 'string' ? doc.config_source.path : undefined;
    const source = src === undefined ? undefined : path.isAbsolute(src) ? src : path.join(path.dirname(uri.fsPath), src);
    return { uri, source, config: doc.config };
  } catch {
    return undefined;
  }
}

/**
 * The runtime state file (`reml-run state init`) for a config: the `reml.runtime.stateFile`
 * setting, else the workspace's state files whose `config_source` is that config (one is taken,
 * several are offered), else a file picker.
 */
async function pickStateFile(configUri: vscode.Uri | undefined): Promise<StateFile | undefined> {
  const folder = (configUri && vscode.workspace.getWorkspaceFolder(configUri)) ?? vscode.workspace.workspaceFolders?.[0];
  const setting = vscode.workspace.getConfiguration('reml', configUri).get<string>('runtime.stateFile', '').trim();
  if (setting) {
    const p = expandPath(setting, folder?.uri.fsPath);
    const abs = path.isAbsolute(p) || !folder ? p : path.join(folder.uri.fsPath, p);
    const state = await readState(vscode.Uri.file(abs));
    if (!state) {
      void vscode.window.showErrorMessage(`Reml: ${abs} (reml.runtime.stateFile) is not a runtime state file.`);
    }
    return state;
  }
  const found: StateFile[] = [];
  for (const uri of await vscode.workspace.findFiles('**/*.{state,json}', '**/{node_modules,.git,.reml}/**', 500)) {
    const state = await readState(uri);
    if (state) {
      found.push(state);
    }
  }
  const config = configUri?.fsPath;
  const matching = config ? found.filter((s) => s.source !== undefined && path.resolve(s.source) === path.resolve(config)) : [];
  const candidates = matching.length ? matching : found;
  if (candidates.length === 1) {
    return candidates[0];
  }
  if (candidates.length > 1) {
    const pick = await vscode.window.showQuickPick(
      candidates.map((s) => ({ label: vscode.workspace.asRelativePath(s.uri), description: s.source ? `from ${vscode.workspace.asRelativePath(s.source)}` : undefined, s })),
      { title: 'Reml: which runtime state?' },
    );
    return pick?.s;
  }
  const picked = await vscode.window.showOpenDialog({ title: 'Reml: runtime state file (reml-run state init)', canSelectMany: false });
  if (!picked?.[0]) {
    return undefined;
  }
  const state = await readState(picked[0]);
  if (!state) {
    void vscode.window.showErrorMessage(`Reml: ${picked[0].fsPath} is not a runtime state file (${STATE_FORMAT}…).`);
  }
  return state;
}

/**
 * `reml.reload` arguments for the active config: `{state, old, new, config}`, where `old` is the
 * state's live config written to a temporary JSON file, so the server diffs live → edited.
 */
async function reloadArguments(reml: RemlClient, given: vscode.Uri | undefined): Promise<Record<string, unknown> | undefined> {
  let configUri = given ?? vscode.window.activeTextEditor?.document.uri;
  if (configUri && !/\.(json|toml)$/i.test(configUri.fsPath)) {
    configUri = undefined;
  }
  const state = await pickStateFile(configUri);
  if (!state) {
    return undefined;
  }
  if (!configUri) {
    configUri = state.source ? vscode.Uri.file(state.source) : undefined;
  }
  if (!configUri || configUri.scheme !== 'file') {
    void vscode.window.showErrorMessage('Reml: open the configuration file to reload (JSON or TOML).');
    return undefined;
  }
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === configUri!.toString());
  if (doc?.isDirty) {
    await doc.save();
  }
  const live = path.join(os.tmpdir(), `reml-live-${process.pid}-${path.basename(state.uri.fsPath)}.json`);
  await fs.writeFile(live, JSON.stringify(state.config ?? {}, null, 2), 'utf8');
  reml.output.appendLine(`[reml] reload ${state.uri.fsPath}: live config → ${live}, edited config ${configUri.fsPath}`);
  return { state: state.uri.fsPath, old: live, new: configUri.fsPath, config: configUri.fsPath };
}

interface KernelInfo {
  name: string;
  description?: string;
  params?: { name: string; default?: unknown }[];
}

/** Kernels from `reml-run gpu kernels --format json` (empty when that fails). */
async function listKernels(reml: RemlClient): Promise<KernelInfo[]> {
  const cli = reml.cliCommand();
  if (!cli) {
    return [];
  }
  try {
    const res = await runCli(cli, ['gpu', 'kernels', '--format', 'json'], {
      cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      timeoutMs: 30_000,
    });
    const kernels = isPlainObject(res.json) ? res.json.kernels : undefined;
    return Array.isArray(kernels) ? kernels.filter((k): k is KernelInfo => isPlainObject(k) && typeof k.name === 'string') : [];
  } catch {
    return [];
  }
}

async function askGpuLaunch(reml: RemlClient): Promise<Record<string, unknown> | undefined> {
  const kernels = await listKernels(reml);
  let kernel: string | undefined;
  let info: KernelInfo | undefined;
  if (kernels.length) {
    const pick = await vscode.window.showQuickPick(
      kernels.map((k) => ({
        label: k.name,
        description: k.description,
        detail: (k.params ?? []).map((p) => `${p.name}=${String(p.default)}`).join(' '),
        k,
      })),
      { title: 'Reml: Launch GPU Kernel', placeHolder: 'kernel', ignoreFocusOut: true },
    );
    kernel = pick?.label;
    info = pick?.k;
  } else {
    kernel = await vscode.window.showInputBox({
      title: 'Reml: Launch GPU Kernel',
      prompt: 'Kernel name (reml-run gpu kernels lists them)',
      placeHolder: 'saxpy',
      ignoreFocusOut: true,
    });
  }
  if (!kernel) {
    return undefined;
  }
  const defaults = (info?.params ?? []).map((p) => `${p.name}=${String(p.default)}`).join(' ');
  const raw = await vscode.window.showInputBox({
    title: `Reml: Launch GPU Kernel ${kernel}`,
    prompt: 'Parameters as NAME=VALUE separated by spaces (empty: the defaults)',
    placeHolder: defaults || 'n=1048576 a=2.0',
    ignoreFocusOut: true,
  });
  if (raw === undefined) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (const pair of raw.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq > 0) {
      params[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return { kernel, params };
}

function errorMessageOf(result: unknown): string | undefined {
  if (!isPlainObject(result)) {
    return undefined;
  }
  const err = result.error;
  if (isPlainObject(err)) {
    return [err.code, err.message].filter((x) => typeof x === 'string').join(': ');
  }
  return typeof err === 'string' ? err : undefined;
}

async function runtimeOperation(reml: RemlClient, title: string, command: string, args: unknown[]): Promise<unknown> {
  let result: unknown;
  try {
    result = await reml.executeServerCommand(command, args);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    reml.output.appendLine(`[reml] ${command} failed: ${message}`);
    void vscode.window.showErrorMessage(`Reml ${title} failed: ${message}`, 'Show Output').then((c) => {
      if (c) {
        reml.output.show(true);
      }
    });
    return undefined;
  }
  // The server already showed the status (window/showMessage) and sent reml/runtimeResult.
  reml.output.appendLine(`[reml] ${command} → ${JSON.stringify(result, null, 2)}`);
  const status = statusOf(result) ?? 'done';
  const auditId = isPlainObject(result) && typeof result.audit_id === 'string' ? result.audit_id : auditIdIn(result);
  const error = errorMessageOf(result);
  vscode.window.setStatusBarMessage(`Reml ${title}: ${status}${error ? ` — ${error}` : ''}${auditId ? ` (audit ${auditId})` : ''}`, 10_000);
  return result;
}

function auditIdIn(result: unknown): string | undefined {
  if (isPlainObject(result) && isPlainObject(result.result) && typeof result.result.audit_id === 'string') {
    return result.result.audit_id;
  }
  return undefined;
}

async function lintWorkspace(reml: RemlClient, collection: vscode.DiagnosticCollection): Promise<void> {
  // With a running server, let it re-check every file (workspace diagnostics in pull mode, a
  // republish in push mode) so results land in one place; otherwise run the command line.
  if (reml.isRunning() && reml.serverCommands().includes(SERVER_COMMANDS.lintWorkspace)) {
    collection.clear();
    try {
      const result = await reml.executeServerCommand(SERVER_COMMANDS.lintWorkspace, []);
      reml.output.appendLine(`[reml] ${SERVER_COMMANDS.lintWorkspace} → ${JSON.stringify(result)}`);
      void vscode.window.showInformationMessage(`Reml lint: workspace diagnostics refreshed (${statusOf(result) ?? 'done'}).`);
      return;
    } catch (err) {
      reml.output.appendLine(`[reml] ${SERVER_COMMANDS.lintWorkspace} failed, running reml-run lint: ${String(err)}`);
    }
  }
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  if (folders.length === 0) {
    void vscode.window.showWarningMessage('Reml: open a folder to lint the workspace.');
    return;
  }
  const cli = reml.cliCommand();
  if (!cli) {
    void vscode.window.showErrorMessage('Reml: cannot find `reml-run`. Set "reml.server.command".');
    return;
  }
  collection.clear();
  let errors = 0;
  let warnings = 0;
  const files = new Set<string>();
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Reml: linting the workspace', cancellable: true },
    async (_progress, token) => {
      for (const folder of folders) {
        const root = folder.uri.fsPath;
        const res = await runCli(cli, ['lint', '--format', 'json', '--', root], { cwd: root, token, timeoutMs: 300_000 });
        const label = res.exitCode !== null ? (EXIT_LABELS[res.exitCode] ?? String(res.exitCode)) : 'killed';
        reml.output.appendLine(`[reml] reml-run lint ${root} → exit ${res.exitCode} (${label})`);
        if (res.json === undefined) {
          reml.output.appendLine(res.stdout + res.stderr);
          void vscode.window.showErrorMessage(`Reml lint of ${folder.name} failed (exit ${label}); see the output.`);
          continue;
        }
        const byFile = new Map<string, vscode.Diagnostic[]>();
        for (const finding of collectLintFindings(res.json)) {
          const file = path.isAbsolute(finding.file) ? finding.file : path.join(root, finding.file);
          const uri = vscode.Uri.file(file);
          if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()) && reml.isRunning()) {
            continue; // the server already reports open documents
          }
          const lines = await readLines(uri);
          const d = finding.diagnostic;
          const diag = new vscode.Diagnostic(
            rangeOf(d, (n) => lines[n]),
            String(d.message ?? d.code),
            severityOf(d.severity),
          );
          diag.code = String(d.code);
          diag.source = 'reml-run lint';
          if (diag.severity === vscode.DiagnosticSeverity.Error) {
            errors += 1;
          } else if (diag.severity === vscode.DiagnosticSeverity.Warning) {
            warnings += 1;
          }
          files.add(file);
          const list = byFile.get(uri.toString()) ?? [];
          list.push(diag);
          byFile.set(uri.toString(), list);
        }
        for (const [uri, list] of byFile) {
          collection.set(vscode.Uri.parse(uri), list);
        }
      }
    },
  );
  const summary = `Reml lint: ${errors} error(s), ${warnings} warning(s) in ${files.size} file(s)`;
  reml.output.appendLine(`[reml] ${summary}`);
  void vscode.window.showInformationMessage(summary);
}

async function readLines(uri: vscode.Uri): Promise<string[]> {
  try {
    const bytes = await vscode.workspace.fs.readFile(uri);
    return new TextDecoder('utf-8').decode(bytes).split(/\r?\n/);
  } catch {
    return [];
  }
}

async function showAuditEntry(reml: RemlClient): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Reml: put the caret on a diagnostic first.');
    return;
  }
  const pos = editor.selection.active;
  let found: RecordedDiagnostic[] = reml.data.at(editor.document.uri, pos);
  if (found.length === 0) {
    found = reml.data.onLine(editor.document.uri, pos.line);
  }
  const withId = found.filter((d) => typeof d.data.audit_id === 'string');
  if (withId.length === 0) {
    void vscode.window.showInformationMessage('Reml: no diagnostic with an audit_id under the caret.');
    return;
  }
  let chosen = withId[0];
  if (withId.length > 1) {
    const pick = await vscode.window.showQuickPick(
      withId.map((d) => ({ label: d.code ?? '(no code)', description: d.data.audit_id, detail: d.message, d })),
      { title: 'Reml: which diagnostic?' },
    );
    if (!pick) {
      return;
    }
    chosen = pick.d;
  }
  const auditId = String(chosen.data.audit_id);
  let entry: unknown = undefined;
  let note = '';
  if (reml.isRunning() && reml.serverCommands().includes(SERVER_COMMANDS.showAuditEntry)) {
    try {
      entry = await reml.executeServerCommand(SERVER_COMMANDS.showAuditEntry, [{ audit_id: auditId }]);
    } catch (err) {
      note = `${SERVER_COMMANDS.showAuditEntry} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  if (entry === undefined) {
    const fromCli = await auditFromCli(reml, editor.document.uri, auditId);
    entry = fromCli.entry;
    note = [note, fromCli.note].filter(Boolean).join('; ');
  }
  const content = JSON.stringify(
    { audit_id: auditId, code: chosen.code, message: chosen.message, note: note || undefined, diagnostic_data: chosen.data, audit: entry },
    null,
    2,
  );
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content });
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}

async function auditFromCli(reml: RemlClient, uri: vscode.Uri, auditId: string): Promise<{ entry: unknown; note: string }> {
  const cli = reml.cliCommand();
  if (!cli) {
    return { entry: undefined, note: 'reml-run not found; showing the diagnostic data only' };
  }
  const folder = vscode.workspace.getWorkspaceFolder(uri) ?? vscode.workspace.workspaceFolders?.[0];
  try {
    const res = await runCli(cli, ['audit', 'show', '--format', 'json', '--', auditId], { cwd: folder?.uri.fsPath, timeoutMs: 30_000 });
    const note = res.exitCode === 0 ? '' : `reml-run audit show exited ${res.exitCode} (${EXIT_LABELS[res.exitCode ?? -1] ?? 'unknown'})`;
    return { entry: res.json, note };
  } catch (err) {
    return { entry: undefined, note: `reml-run audit show could not run: ${err instanceof Error ? err.message : String(err)}` };
  }
}
