// The status bar item: server state, plus the last stream_meta (resume count, lag) from diagnostics.
import * as vscode from 'vscode';
import { dataOf, formatNanos, formatStreamMeta, StreamMeta, streamMetaOf } from './util';

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed' | 'unconfigured';

const ICONS: Record<ServerState, string> = {
  starting: '$(sync~spin)',
  running: '$(check)',
  stopped: '$(circle-slash)',
  failed: '$(error)',
  unconfigured: '$(warning)',
};

export class RemlStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: ServerState = 'stopped';
  private detail = '';
  private meta: StreamMeta | undefined;

  constructor(command: string) {
    this.item = vscode.window.createStatusBarItem('reml.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Reml Language Server';
    this.item.command = command;
    this.render();
  }

  show(): void {
    this.item.show();
  }

  setState(state: ServerState, detail = ''): void {
    this.state = state;
    this.detail = detail;
    this.render();
  }

  getState(): ServerState {
    return this.state;
  }

  /** Diagnostics on their way to VS Code (client middleware): keeps the newest stream_meta. */
  noteDiagnostics(diagnostics: readonly vscode.Diagnostic[]): void {
    let meta: StreamMeta | undefined;
    for (const d of diagnostics) {
      meta = streamMetaOf(dataOf(d)) ?? meta;
    }
    if (meta) {
      this.meta = meta;
      this.render();
    }
  }

  private render(): void {
    const stream = this.meta ? formatStreamMeta(this.meta) : '';
    this.item.text = `${ICONS[this.state]} Reml${stream ? ` · ${stream}` : ''}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Reml language server**: ${this.state}`);
    if (this.detail) {
      md.appendMarkdown(`\n\n${escapeMd(this.detail)}`);
    }
    if (this.meta) {
      const m = this.meta;
      md.appendMarkdown('\n\n**Last stream_meta**');
      md.appendMarkdown(`\n- resume_count: ${m.resume_count ?? '–'}`);
      md.appendMarkdown(`\n- lag: ${typeof m.lag_nanos === 'number' ? formatNanos(m.lag_nanos) : '–'}`);
      md.appendMarkdown(`\n- consumed_bytes: ${m.consumed_bytes ?? '–'}`);
      if (typeof m.buffer_fill_ratio === 'number') {
        md.appendMarkdown(`\n- buffer_fill_ratio: ${m.buffer_fill_ratio.toFixed(2)}`);
      }
      if (typeof m.memo_bytes === 'number') {
        md.appendMarkdown(`\n- memo_bytes: ${m.memo_bytes}`);
      }
    }
    md.appendMarkdown('\n\nClick to show the output.');
    this.item.tooltip = md;
    this.item.backgroundColor =
      this.state === 'failed' || this.state === 'unconfigured'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|]/g, '\\$&');
}
