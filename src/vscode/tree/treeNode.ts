import type * as vscode from 'vscode';

/** A node of the Connections view: builds its TreeItem and (lazily, async) its children. */
export interface TreeNode {
  /** Stable across refreshes (used as TreeItem.id). */
  readonly id: string;
  toTreeItem(): vscode.TreeItem;
  getChildren?(): Promise<TreeNode[]>;
  /** Fills in what is too costly for the whole level (VS Code calls it on hover, before the tooltip shows). */
  resolveTreeItem?(item: vscode.TreeItem): Promise<vscode.TreeItem>;
}
