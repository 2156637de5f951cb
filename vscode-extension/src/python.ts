// The editor side of running the bundled server: the Python extension's selected interpreter (its
// public API, read duck-typed so the extension is optional), then python3/python on PATH; and the
// notification with "Select Interpreter…" / "Configure…" when no Python >= 3.11 is found.
import * as vscode from 'vscode';
import {
  MIN_PYTHON,
  PythonProbe,
  bundledCli,
  bundledLibsIn,
  describeTried,
  firstUsable,
  pathCandidates,
} from './pythonEnv';
import { openServerSettings } from './settings';
import { CliCommand } from './util';

export const EXTENSION_ID = 'reml-lsp.reml';
const PYTHON_EXTENSION_ID = 'ms-python.python';

export function bundledLibs(): string | undefined {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  return ext ? bundledLibsIn(ext.extensionPath) : undefined;
}

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { path?: string } | undefined;
    resolveEnvironment?(env: unknown): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
  settings?: { getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined };
}

/** The interpreter selected in the Python extension, when it is installed. */
async function selectedInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (!ext) {
    return undefined;
  }
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const envs = api?.environments;
    const active = envs?.getActiveEnvironmentPath?.(resource);
    if (active) {
      const resolved = await envs?.resolveEnvironment?.(active);
      const exe = resolved?.executable?.uri?.fsPath ?? active.path;
      if (exe) {
        return exe;
      }
    }
    return api?.settings?.getExecutionDetails?.(resource)?.execCommand?.[0];
  } catch {
    return undefined;
  }
}

export interface BundledResult {
  cli?: CliCommand;
  /** False when this VSIX has no bundle (a development build). */
  hasBundle: boolean;
  tried: PythonProbe[];
}

/** The bundled server with the first usable interpreter. */
export async function findBundledServer(resource?: vscode.Uri): Promise<BundledResult> {
  const libs = bundledLibs();
  if (!libs) {
    return { hasBundle: false, tried: [] };
  }
  const candidates = pathCandidates();
  const selected = await selectedInterpreter(resource);
  if (selected) {
    candidates.unshift({ executable: selected, origin: 'the interpreter selected in the Python extension' });
  }
  const { found, tried } = await firstUsable(candidates);
  return { cli: found ? bundledCli(found, libs) : undefined, hasBundle: true, tried };
}

/** Says that no usable Python was found, with the ways out. */
export async function notifyNoPython(tried: PythonProbe[], output: vscode.OutputChannel): Promise<void> {
  const need = `Python ${MIN_PYTHON.join('.')} or newer`;
  output.appendLine(`[reml] no usable Python for the bundled language server: ${describeTried(tried)}`);
  const hasPythonExtension = !!vscode.extensions.getExtension(PYTHON_EXTENSION_ID);
  const select = 'Select Interpreter…';
  const configure = 'Configure…';
  const actions = hasPythonExtension ? [select, configure, 'Show Output'] : [configure, 'Show Output'];
  const choice = await vscode.window.showErrorMessage(
    `Reml: the language server needs ${need}, and none was found (${describeTried(tried)}). ` +
      'Install one, select it in the Python extension, or set "reml.server.pythonPath" (or ' +
      '"reml.server.command" to an installed reml-run).',
    ...actions,
  );
  if (choice === select) {
    await vscode.commands.executeCommand('python.setInterpreter');
    await vscode.commands.executeCommand('reml.restartServer');
  } else if (choice === configure) {
    await openServerSettings();
  } else if (choice === 'Show Output') {
    output.show(true);
  }
}
