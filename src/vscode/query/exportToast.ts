import * as vscode from 'vscode';
import { countOf } from '../../core/query/resultsMessages';

export const OPEN_EXPORT = 'Open';

/** The OS's own name for showing a file in its folder, as VS Code's explorer names it. */
export function revealLabel(platform: NodeJS.Platform = process.platform): string {
  return platform === 'darwin' ? 'Reveal in Finder' : platform === 'win32' ? 'Reveal in File Explorer' : 'Open Containing Folder';
}

/**
 * Revealing in the OS file manager only makes sense when the file is on the machine the user sits at: a
 * desktop window with a local extension host. In a browser (code-server, vscode.dev) or a remote window the
 * file is on another machine.
 */
export function canRevealInOs(file: vscode.Uri): boolean {
  return file.scheme === 'file' && vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName;
}

/**
 * The toast after an export: it names the file and offers the next step, Open (in an editor) and, where
 * sensible, Reveal. Resolves with the action taken, once the user has chosen or dismissed the toast.
 */
export async function offerExportedFile(file: vscode.Uri, rows: number): Promise<string | undefined> {
  const reveal = canRevealInOs(file) ? revealLabel() : undefined;
  const choice = await vscode.window.showInformationMessage(
    `MySQL TLS: exported ${countOf(rows, 'row')} to ${file.fsPath}.`,
    OPEN_EXPORT,
    ...(reveal ? [reveal] : []),
  );
  try {
    if (choice === OPEN_EXPORT) await vscode.commands.executeCommand('vscode.open', file);
    else if (choice !== undefined && choice === reveal) await vscode.commands.executeCommand('revealFileInOS', file);
  } catch (e) {
    void vscode.window.showErrorMessage(`MySQL TLS: could not open ${file.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return choice;
}
