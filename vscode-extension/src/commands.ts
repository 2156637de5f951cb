// Commands. The server's commands (reml_lsp/lsp/names.py) are registered by vscode-languageclient
// from the server's `executeCommandProvider` and forward to workspace/executeCommand; the palette
// offers some of them (package.json). `askArguments`, the client's executeCommand middleware,
// fills in what a palette or menu invocation lacks from pickers and input boxes — the one thing
// the server cannot do. The server then shows the outcome (window/showMessage), asks for
// confirmation (window/showMessageRequest) and sends the full result (reml/runtimeResult).
import * as vscode from 'vscode';
import type { ExecuteCommandSignature } from 'vscode-languageclient/node';
import { pickStateFile, reloadArguments } from './runtimeState';
import { dataOf, isPlainObject } from './util';

/** The extension's own commands: they work without a running server. */
export const LOCAL_COMMANDS = {
  restartServer: 'reml.restartServer',
  showOutput: 'reml.showOutput',
} as const;

/** Server commands the extension invokes or offers in the palette. */
export const SERVER_COMMANDS = {
  lintWorkspace: 'reml.lintWorkspace',
  reload: 'reml.reload',
  rollback: 'reml.rollback',
  gpuLaunch: 'reml.gpu.launch',
  gpuKernels: 'reml.gpu.kernels',
  instrumentQuery: 'reml.instrument.query',
  instrumentTelemetry: 'reml.instrument.telemetry',
  showAuditEntry: 'reml.showAuditEntry',
} as const;

type Arguments = Record<string, unknown>;
/** Asks for a command's argument; `hint` is the resource of an explorer or editor menu. */
type Ask = (hint: vscode.Uri | undefined, run: ExecuteCommandSignature, log: vscode.OutputChannel) => Promise<Arguments | undefined>;

const ASK: Partial<Record<string, Ask>> = {
  [SERVER_COMMANDS.reload]: (hint, _run, log) => reloadArguments(hint, log),
  [SERVER_COMMANDS.rollback]: async (hint) => {
    const state = await pickStateFile(hint ?? vscode.window.activeTextEditor?.document.uri);
    return state && { state: state.uri.fsPath };
  },
  [SERVER_COMMANDS.gpuLaunch]: (_hint, run) => askGpuLaunch(run),
  [SERVER_COMMANDS.instrumentQuery]: async () => {
    const resource = await input('Reml: Query Instrument', 'VISA resource name', { placeHolder: 'GPIB0::5::INSTR' });
    const command = resource && (await input('Reml: Query Instrument', 'SCPI query', { value: '*IDN?' }));
    return command ? { resource, command } : undefined;
  },
  [SERVER_COMMANDS.instrumentTelemetry]: async () => {
    const resource = await input('Reml: Instrument Telemetry', 'VISA resource name (empty: every configured instrument)', { placeHolder: 'GPIB0::5::INSTR' });
    return resource === undefined ? undefined : resource ? { resource } : {};
  },
};

/** Middleware `executeCommand`: arguments given (a keybinding, a code action) go as they are. */
export function askArguments(log: vscode.OutputChannel) {
  return async (command: string, args: unknown[], next: ExecuteCommandSignature): Promise<unknown> => {
    const first = args[0];
    if (first !== undefined && !(first instanceof vscode.Uri)) {
      return next(command, args);
    }
    if (command === SERVER_COMMANDS.showAuditEntry) {
      // The events of the diagnostic under the caret, beside the editor.
      const diagnostic = await diagnosticAtCaret();
      if (!diagnostic) {
        return undefined;
      }
      const audit: unknown = await next(command, [{ audit_id: diagnostic.audit_id }]);
      await showJson({ ...diagnostic, audit });
      return audit;
    }
    const ask = ASK[command];
    const argument = ask ? await ask(first, next, log) : {};
    // A menu's resource is only a hint for the pickers: the server never receives it.
    return argument && next(command, ask ? [argument] : []);
  };
}

export function registerLocalCommands(context: vscode.ExtensionContext, restart: () => Promise<void>, output: vscode.OutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(LOCAL_COMMANDS.restartServer, restart),
    vscode.commands.registerCommand(LOCAL_COMMANDS.showOutput, () => output.show(true)),
  );
}

function input(title: string, prompt: string, options: vscode.InputBoxOptions = {}): Thenable<string | undefined> {
  return vscode.window.showInputBox({ title, prompt, ignoreFocusOut: true, ...options });
}

interface KernelInfo {
  name: string;
  description?: string;
  params?: { name: string; default?: unknown }[];
}

/** Kernels from the server's `reml.gpu.kernels` (`reml-run gpu kernels`); empty when that fails. */
async function listKernels(run: ExecuteCommandSignature): Promise<KernelInfo[]> {
  try {
    const answer: unknown = await run(SERVER_COMMANDS.gpuKernels, []);
    const kernels = isPlainObject(answer) && isPlainObject(answer.result) ? answer.result.kernels : undefined;
    return Array.isArray(kernels) ? kernels.filter((k): k is KernelInfo => isPlainObject(k) && typeof k.name === 'string') : [];
  } catch {
    return [];
  }
}

async function askGpuLaunch(run: ExecuteCommandSignature): Promise<Arguments | undefined> {
  const title = 'Reml: Launch GPU Kernel';
  const defaults = (k: KernelInfo | undefined) => (k?.params ?? []).map((p) => `${p.name}=${String(p.default)}`).join(' ');
  const kernels = await listKernels(run);
  let kernel: KernelInfo | undefined;
  if (kernels.length) {
    const pick = await vscode.window.showQuickPick(
      kernels.map((k) => ({ label: k.name, description: k.description, detail: defaults(k), k })),
      { title, placeHolder: 'kernel', ignoreFocusOut: true },
    );
    kernel = pick?.k;
  } else {
    const name = await input(title, 'Kernel name (reml-run gpu kernels lists them)', { placeHolder: 'saxpy' });
    kernel = name ? { name } : undefined;
  }
  if (!kernel) {
    return undefined;
  }
  const raw = await input(`${title} ${kernel.name}`, 'Parameters as NAME=VALUE separated by spaces (empty: the defaults)', {
    placeHolder: defaults(kernel) || 'n=1048576 a=2.0',
  });
  if (raw === undefined) {
    return undefined;
  }
  const pairs = raw.split(/\s+/).filter((pair) => pair.indexOf('=') > 0).map((pair) => pair.split(/=(.*)/s, 2));
  return { kernel: kernel.name, params: Object.fromEntries(pairs) };
}

/**
 * `{audit_id, code, message, diagnostic_data}` of the diagnostic under the caret (else on its
 * line) that carries an audit_id, read from VS Code's diagnostics (`data` as the server sent it,
 * kept by vscode-languageclient); a picker when there are several.
 */
async function diagnosticAtCaret(): Promise<Arguments | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Reml: put the caret on a diagnostic first.');
    return undefined;
  }
  const pos = editor.selection.active;
  const all = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => typeof dataOf(d)?.audit_id === 'string');
  const size = (r: vscode.Range) => (r.end.line - r.start.line) * 100000 + (r.end.character - r.start.character);
  const under = all.filter((d) => d.range.contains(pos) || (d.range.isEmpty && d.range.start.line === pos.line));
  const found = (under.length ? under : all.filter((d) => d.range.start.line <= pos.line && pos.line <= d.range.end.line))
    .sort((a, b) => size(a.range) - size(b.range));
  if (found.length === 0) {
    void vscode.window.showInformationMessage('Reml: no diagnostic with an audit_id under the caret.');
    return undefined;
  }
  const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : (d.code ?? '(no code)'));
  const chosen = found.length === 1
    ? found[0]
    : (await vscode.window.showQuickPick(
      found.map((d) => ({ label: codeOf(d), description: String(dataOf(d)?.audit_id), detail: d.message, d })),
      { title: 'Reml: which diagnostic?' },
    ))?.d;
  const data = chosen && dataOf(chosen);
  return chosen && data && { audit_id: data.audit_id, code: codeOf(chosen), message: chosen.message, diagnostic_data: data };
}

async function showJson(value: unknown): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(value, null, 2) });
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}
