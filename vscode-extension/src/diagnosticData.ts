// Keeps the `Diagnostic.data` the server attaches (audit_id, message_key, stream_meta, …) so the
// extension can show the audit entry under the caret and the stream statistics in the status bar.
import * as vscode from 'vscode';
import { StreamMeta } from './util';

export type { StreamMeta } from './util';
export { formatNanos, formatStreamMeta } from './util';

export interface RemlDiagnosticData {
  audit_id?: string;
  message_key?: string;
  locale?: string;
  locale_args?: Record<string, unknown>;
  domain?: string;
  expected?: unknown;
  change_set?: unknown;
  severity_hint?: string | null;
  stream_meta?: StreamMeta | null;
  [key: string]: unknown;
}

export interface RecordedDiagnostic {
  range: vscode.Range;
  code: string | undefined;
  message: string;
  data: RemlDiagnosticData;
}

export function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) {
    return undefined;
  }
  if (typeof c === 'string' || typeof c === 'number') {
    return String(c);
  }
  return String(c.value);
}

/** Our own stream counters (lag, fill ratio): `data` is a Reml Diagnostic V2 object whose
 * `stream_meta` has the V2 shape, so the server keeps the full set in
 * `extensions["reml.stream_meta"]`; older servers sent them as `stream_meta`. */
export function streamMetaOf(data: RemlDiagnosticData): StreamMeta | undefined {
  const ext = data.extensions;
  const native =
    ext && typeof ext === 'object' ? (ext as Record<string, unknown>)['reml.stream_meta'] : undefined;
  const meta = native ?? data.stream_meta;
  return meta && typeof meta === 'object' ? (meta as StreamMeta) : undefined;
}

/** vscode-languageclient keeps LSP `data` on its ProtocolDiagnostic subclass. */
export function dataOf(d: vscode.Diagnostic): RemlDiagnosticData | undefined {
  const data = (d as unknown as { data?: unknown }).data;
  return data && typeof data === 'object' ? (data as RemlDiagnosticData) : undefined;
}

export class DiagnosticDataStore {
  private readonly byUri = new Map<string, RecordedDiagnostic[]>();
  private readonly emitter = new vscode.EventEmitter<StreamMeta>();
  /** Fires with the newest stream_meta found in a batch of diagnostics. */
  readonly onStreamMeta = this.emitter.event;

  record(uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]): void {
    const recorded: RecordedDiagnostic[] = [];
    let meta: StreamMeta | undefined;
    for (const d of diagnostics) {
      const data = dataOf(d);
      if (!data) {
        continue;
      }
      recorded.push({ range: d.range, code: codeOf(d), message: d.message, data });
      const native = streamMetaOf(data);
      if (native) {
        meta = native;
      }
    }
    this.byUri.set(uri.toString(), recorded);
    if (meta) {
      this.emitter.fire(meta);
    }
  }

  forget(uri: vscode.Uri): void {
    this.byUri.delete(uri.toString());
  }

  /** Diagnostics with data whose range holds the position, narrowest range first. */
  at(uri: vscode.Uri, position: vscode.Position): RecordedDiagnostic[] {
    const found = (this.byUri.get(uri.toString()) ?? []).filter(
      (d) => d.range.contains(position) || (d.range.isEmpty && d.range.start.line === position.line),
    );
    return found.sort((a, b) => spanSize(a.range) - spanSize(b.range));
  }

  /** Diagnostics on the caret's line, when none covers the caret itself. */
  onLine(uri: vscode.Uri, line: number): RecordedDiagnostic[] {
    return (this.byUri.get(uri.toString()) ?? []).filter((d) => d.range.start.line <= line && line <= d.range.end.line);
  }

  dispose(): void {
    this.emitter.dispose();
    this.byUri.clear();
  }
}

function spanSize(r: vscode.Range): number {
  return (r.end.line - r.start.line) * 100000 + (r.end.character - r.start.character);
}
