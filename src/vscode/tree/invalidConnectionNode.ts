import * as vscode from 'vscode';
import { invalidConnectionTooltipMarkdown } from '../../core/presentation/connectionPresentation';
import type { InvalidConnection } from '../../core/settings/connectionSettings';
import type { TreeNode } from './treeNode';

/** A settings entry that cannot be used: shown with an error icon and the problem naming the field. */
export class InvalidConnectionNode implements TreeNode {
  readonly id: string;
  constructor(readonly invalid: InvalidConnection) {
    this.id = `invalid:${invalid.key}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.invalid.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const first = this.invalid.problems.find((p) => p.severity === 'error') ?? this.invalid.problems[0];
    item.description = first ? `${first.field ? `${first.field}: ` : ''}${first.message}` : 'invalid settings';
    item.tooltip = new vscode.MarkdownString(invalidConnectionTooltipMarkdown(this.invalid));
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    item.contextValue = 'invalidConnection';
    item.command = {
      command: this.invalid.scope === 'user' ? 'workbench.action.openSettingsJson' : 'workbench.action.openWorkspaceSettingsFile',
      title: 'Open Settings (JSON)',
    };
    return item;
  }
}
