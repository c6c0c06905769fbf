import * as vscode from 'vscode';
import type { Logger } from '../core/logging/logger';
import { FallbackSecretStore } from '../core/secrets/fallbackSecretStore';
import { KeytarSecretStore, loadKeytar, loadPackagedKeytar } from '../core/secrets/keytarSecretStore';
import type { SecretKind, SecretStore } from '../core/secrets/secretStore';
import { chooseSecretStore, keytarIsPackaged } from '../core/secrets/storeSelection';
import { SECRET_STORE_DESCRIPTIONS } from '../core/presentation/secretStoreText';
import { SecretStorageStore } from './secretStorageStore';
import { userOnlySetting } from './userOnlySettings';

export type SecretStorageSetting = 'keychain' | 'secretStorage';

export function readSecretStorageSetting(): SecretStorageSetting {
  return userOnlySetting<string>('secretStorage', 'keychain') === 'secretStorage' ? 'secretStorage' : 'keychain';
}

/**
 * The secret store the extension uses, following `mysqlTls.secretStorage`: the OS keychain via keytar
 * (loaded on first use), falling back to SecretStorage with a visible notice; or SecretStorage directly.
 * The universal VSIX has no keytar: SecretStorage then, without a notice (see chooseSecretStore).
 */
export class ConfiguredSecretStore implements SecretStore {
  /** The store of the running extension, for the tree tooltip's "stored in …" line. */
  static active: ConfiguredSecretStore | undefined;
  private current: SecretStore;
  private currentSetting: SecretStorageSetting;

  /**
   * `extensionRoot`: the installed extension's folder; keytar is loaded from its node_modules only. Without it
   * (tests that build the store themselves) keytar is resolved the way Node resolves require('keytar').
   */
  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly logger: Logger,
    private readonly extensionRoot?: string,
  ) {
    this.currentSetting = readSecretStorageSetting();
    this.current = this.build(this.currentSetting);
    ConfiguredSecretStore.active = this;
  }

  private build(setting: SecretStorageSetting): SecretStore {
    const secretStorage = new SecretStorageStore(this.storage);
    const root = this.extensionRoot;
    const choice = chooseSecretStore(setting, root === undefined || keytarIsPackaged(root));
    if (choice.kind === 'secretStorage') {
      if (choice.because === 'keytarNotPackaged')
        this.logger.info(`this build has no OS keychain module (universal VSIX): secrets are stored in ${secretStorage.description}`);
      return secretStorage;
    }
    return new FallbackSecretStore(
      () => {
        const loaded = root === undefined ? loadKeytar() : loadPackagedKeytar(root);
        return loaded.ok ? { ok: true, store: new KeytarSecretStore(loaded.keytar) } : loaded;
      },
      secretStorage,
      (reason) => {
        this.logger.warn(`the OS keychain cannot be used (${reason}); using VS Code SecretStorage instead`);
        void vscode.window.showWarningMessage(
          `MySQL TLS: the OS keychain cannot be used (${reason}). Passwords and passphrases are kept in ${secretStorage.description} instead.`,
        );
      },
      undefined,
      SECRET_STORE_DESCRIPTIONS.keychain,
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
