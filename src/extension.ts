import type * as vscode from 'vscode';

/** Composition root. Kept small and fast: the MySQL driver loads on first connect, not here. */
export function activate(_context: vscode.ExtensionContext): void {
  // The VS Code layer (tree, commands, status bar, secrets) is registered from src/vscode/.
}

export function deactivate(): void {}
