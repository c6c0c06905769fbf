import * as vscode from 'vscode';
import type { Logger } from '../core/logging/logger';
import { FallbackSecretStore } from '../core/secrets/fallbackSecretStore';
import { KeytarSecretStore, loadKeytar } from '../core/secrets/keytarSecretStore';
import type { SecretKind, SecretStore } from '../core/secrets/secretStore';
import { SecretStorageStore } from './secretStorageStore';
import { userOnlySetting } from './userOnlySettings';

export type SecretStorageSetting = 'keychain' | 'secretStorage';

export function readSecretStorageSetting(): SecretStorageSetting {
  return userOnlySetting<string>('secretStorage', 'keychain') === 'secretStorage' ? 'secretStorage' : 'keychain';
}

/**
 * The secret store the extension uses, following `mysqlTls.secretStorage`: the OS keychain via keytar
 * (loaded on first use), falling back to SecretStorage with a visible notice; or SecretStorage directly.
 */
export class ConfiguredSecretStore implements SecretStore {
  private current: SecretStore;
  private currentSetting: SecretStorageSetting;

  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly logger: Logger,
  ) {
    this.currentSetting = readSecretStorageSetting();
    this.current = this.build(this.currentSetting);
  }

  private build(setting: SecretStorageSetting): SecretStore {
    const secretStorage = new SecretStorageStore(this.storage);
    if (setting === 'secretStorage') return secretStorage;
    return new FallbackSecretStore(
      () => {
        const loaded = loadKeytar();
        return loaded.ok ? { ok: true, store: new KeytarSecretStore(loaded.keytar) } : loaded;
      },
      secretStorage,
      (reason) => {
        this.logger.warn(`the OS keychain cannot be used (${reason}); using VS Code SecretStorage instead`);
        void vscode.window.showWarningMessage(
          `MySQL TLS: the OS keychain cannot be used (${reason}). Passwords and passphrases are kept in VS Code's SecretStorage instead.`,
        );
      },
    );
  }

  /** Re-reads the setting (called on configuration changes). */
  refresh(): void {
    const setting = readSecretStorageSetting();
    if (setting === this.currentSetting) return;
    this.logger.info(`secret storage changed to ${setting}`);
    this.currentSetting = setting;
    this.current = this.build(setting);
  }

  get description(): string {
    return this.current.description;
  }
  get(connectionId: string, kind: SecretKind): Promise<string | undefined> {
    return this.current.get(connectionId, kind);
  }
  set(connectionId: string, kind: SecretKind, value: string): Promise<void> {
    return this.current.set(connectionId, kind, value);
  }
  delete(connectionId: string, kind: SecretKind): Promise<void> {
    return this.current.delete(connectionId, kind);
  }
}
