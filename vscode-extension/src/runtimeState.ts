// Which runtime state (`reml-run state init STATE --config CONFIG`) Reload and Roll Back act on:
// the `reml.runtime.stateFile` setting, else the workspace's state files made from the config
// (one is taken, several are offered in a picker), else a file dialog. Editor UI, so it stays in
// the extension; the server checks the paths again and runs the operation.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { expandPath, isPlainObject } from './util';

/** `format` of a state file (runtime/state_file.py). */
const STATE_FORMAT = 'reml.runtime.state/';

interface StateFile {
  uri: vscode.Uri;
  /** The config the state was made from (`config_source.path`), resolved. */
  source: string | undefined;
  /** The live config snapshot. */
  config: unknown;
}

async function readState(uri: vscode.Uri): Promise<StateFile | undefined> {
  try {
    if ((await vscode.workspace.fs.stat(uri)).size > 16 * 1024 * 1024) {
      return undefined;
    }
    const doc: unknown = JSON.parse(new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri)));
    if (!isPlainObject(doc) || typeof doc.format !== 'string' || !doc.format.startsWith(STATE_FORMAT)) {
      return undefined;
    }
    const src = isPlainObject(doc.config_source) && typeof doc.config_source.path === 'string' ? doc.config_source.path : undefined;
    const source = src === undefined || path.isAbsolute(src) ? src : path.join(path.dirname(uri.fsPath), src);
    return { uri, source, config: doc.config };
  } catch {
    return undefined;
  }
}

export async function pickStateFile(configUri: vscode.Uri | undefined): Promise<StateFile | undefined> {
  const folder = (configUri && vscode.workspace.getWorkspaceFolder(configUri)) ?? vscode.workspace.workspaceFolders?.[0];
  const setting = vscode.workspace.getConfiguration('reml', configUri).get<string>('runtime.stateFile', '').trim();
  if (setting) {
    const p = expandPath(setting, folder?.uri.fsPath);
    const abs = path.isAbsolute(p) || !folder ? p : path.join(folder.uri.fsPath, p);
    return readOrComplain(vscode.Uri.file(abs), 'reml.runtime.stateFile');
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
  return picked?.[0] ? readOrComplain(picked[0], `${STATE_FORMAT}…`) : undefined;
}

async function readOrComplain(uri: vscode.Uri, expected: string): Promise<StateFile | undefined> {
  const state = await readState(uri);
  if (!state) {
    void vscode.window.showErrorMessage(`Reml: ${uri.fsPath} is not a runtime state file (${expected}).`);
  }
  return state;
}

/**
 * `reml.reload` arguments for a config (the one given, else the active editor's, else the
 * state's source): `{state, old, new, config}`, where `old` is the state's live config written to
 * a temporary JSON file, so the server diffs live → edited.
 */
export async function reloadArguments(given: vscode.Uri | undefined, log: vscode.OutputChannel): Promise<Record<string, unknown> | undefined> {
  let configUri = given ?? vscode.window.activeTextEditor?.document.uri;
  if (configUri && !/\.(json|toml)$/i.test(configUri.fsPath)) {
    configUri = undefined;
  }
  const state = await pickStateFile(configUri);
  if (!state) {
    return undefined;
  }
  configUri ??= state.source ? vscode.Uri.file(state.source) : undefined;
  if (!configUri || configUri.scheme !== 'file') {
    void vscode.window.showErrorMessage('Reml: open the configuration file to reload (JSON or TOML).');
    return undefined;
  }
  const target = configUri.toString();
  await vscode.workspace.textDocuments.find((d) => d.uri.toString() === target && d.isDirty)?.save();
  const live = path.join(os.tmpdir(), `reml-live-${process.pid}-${path.basename(state.uri.fsPath)}.json`);
  await fs.writeFile(live, JSON.stringify(state.config ?? {}, null, 2), 'utf8');
  log.appendLine(`[reml] reload ${state.uri.fsPath}: live config → ${live}, edited config ${configUri.fsPath}`);
  return { state: state.uri.fsPath, old: live, new: configUri.fsPath, config: configUri.fsPath };
}
