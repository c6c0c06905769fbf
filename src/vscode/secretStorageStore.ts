import type * as vscode from 'vscode';
import { SECRET_STORE_DESCRIPTIONS } from '../core/presentation/secretStoreText';
import { KEYCHAIN_SERVICE, secretAccount, type SecretKind, type SecretStore } from '../core/secrets/secretStore';

/** VS Code SecretStorage as a SecretStore: key `mysql-tls:<connectionId>/<kind>`. */
export class SecretStorageStore implements SecretStore {
  readonly description = SECRET_STORE_DESCRIPTIONS.secretStorage;
  constructor(private readonly storage: vscode.SecretStorage) {}

  private key(connectionId: string, kind: SecretKind): string {
    return `${KEYCHAIN_SERVICE}:${secretAccount(connectionId, kind)}`;
  }

  async get(connectionId: string, kind: SecretKind): Promise<string | undefined> {
    return this.storage.get(this.key(connectionId, kind));
  }

  async set(connectionId: string, kind: SecretKind, value: string): Promise<void> {
    await this.storage.store(this.key(connectionId, kind), value);
  }

  async delete(connectionId: string, kind: SecretKind): Promise<void> {
    await this.storage.delete(this.key(connectionId, kind));
  }
}
