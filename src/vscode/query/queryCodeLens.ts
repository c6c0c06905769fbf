import * as vscode from 'vscode';
import { splitStatements } from '../../core/sql/splitStatements';
import type { QueryDocuments } from './queryDocuments';

/** "▶ Run" above each statement of a bound SQL document. */
export class QueryCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly docs: QueryDocuments) {}

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.docs.get(document.uri)) return [];
    const text = document.getText();
    // Very large files: no lenses beyond the first 500 statements (splitting stays cheap; rendering would not).
    return splitStatements(text)
      .slice(0, 500)
      .map((s) => {
        const range = new vscode.Range(document.positionAt(s.start), document.positionAt(s.end));
        return new vscode.CodeLens(range, {
          title: '$(play) Run',
          tooltip: 'Run this statement (Ctrl/Cmd+Enter)',
          command: 'mysqlTls.runStatement',
          arguments: [{ uri: document.uri.toString(), start: s.start, end: s.end }],
        });
      });
  }

  dispose(): void {
    this.changed.dispose();
  }
}
