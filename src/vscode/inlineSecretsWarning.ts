import * as vscode from 'vscode';
import type { Logger } from '../core/logging/logger';
import type { SecretGate } from '../core/secrets/connectionVault';
import type { InlineSecretFinding, ParsedConnectionSettings } from '../core/settings/connectionSettings';
import type { ConnectionSettings } from './connectionSettings';
import { DisposableBase } from './lifecycle';

export const MOVE_TO_KEYCHAIN = 'Move to Keychain';

/**
 * Passwords do not belong in settings. When an entry carries `password`/`passphrase`, warn once per entry
 * and offer a one-click move: the value is stored in the secret store, then removed from the settings.
 */
export class InlineSecretsWarning extends DisposableBase {
  private readonly warned = new Set<string>();

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly gate: SecretGate,
    private readonly logger: Logger,
  ) {
    super();
    this._register(settings.onDidChange((parsed) => this.check(parsed)));
  }

  check(parsed: ParsedConnectionSettings = this.settings.current): void {
    for (const finding of parsed.inlineSecrets) {
      const key = `${finding.scope}:${finding.id}:${finding.keys.join(',')}`;
      if (this.warned.has(key)) continue;
      this.warned.add(key);
      void this.warn(finding, key);
    }
  }

  private async warn(finding: InlineSecretFinding, key: string): Promise<void> {
    this.logger.warn(
      `the ${finding.scope} settings of connection "${finding.label}" contain ${finding.keys.join(' and ')}; offering to move it to the secret store`,
    );
    const choice = await vscode.window.showWarningMessage(
      `MySQL TLS: the ${finding.scope} settings of connection "${finding.label}" contain a ${finding.keys.join(' and a ')}. Secrets do not belong in settings files.`,
      MOVE_TO_KEYCHAIN,
    );
    if (choice !== MOVE_TO_KEYCHAIN) return;
    try {
      await this.settings.moveInlineSecrets(finding, async (found) => {
        this.logger.addSecret(found.password);
        this.logger.addSecret(found.passphrase);
        // Stored in the entry's own scope, bound to the entry: a workspace entry that reuses a user
        // connection's id gets its own secret and never overwrites the user's.
        const connection = this.settings.current.connections.find((c) => c.id === found.id && c.scope === finding.scope);
        if (!connection) throw new Error('fix the problems of this settings entry first (see the Connections view), then move its secrets');
        const target = { scope: finding.scope, id: found.id, name: connection.name, profile: connection.profile };
        const paths = this.settings.pathContext();
        if (found.password !== undefined) await this.gate.save(target, 'password', found.password, paths);
        if (found.passphrase !== undefined) await this.gate.save(target, 'passphrase', found.passphrase, paths);
      });
      this.logger.info(`moved ${finding.keys.join(' and ')} of "${finding.label}" to ${this.gate.vault.description}`);
      void vscode.window.showInformationMessage(
        `MySQL TLS: moved the ${finding.keys.join(' and ')} of "${finding.label}" to ${this.gate.vault.description} and removed it from the settings.`,
      );
    } catch (e) {
      this.warned.delete(key);
      this.logger.error(`moving the secrets of "${finding.label}" failed`, e);
      void vscode.window.showErrorMessage(`MySQL TLS: could not move the secret of "${finding.label}": ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
