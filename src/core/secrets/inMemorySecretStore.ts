import { secretAccount, type SecretKind, type SecretStore } from './secretStore';

/** A SecretStore in a Map, for tests and as a last resort. */
export class InMemorySecretStore implements SecretStore {
  readonly description = 'memory (not persisted)';
  private readonly values = new Map<string, string>();

  async get(connectionId: string, kind: SecretKind): Promise<string | undefined> {
    return this.values.get(secretAccount(connectionId, kind));
  }

  async set(connectionId: string, kind: SecretKind, value: string): Promise<void> {
    this.values.set(secretAccount(connectionId, kind), value);
  }

  async delete(connectionId: string, kind: SecretKind): Promise<void> {
    this.values.delete(secretAccount(connectionId, kind));
  }

  /** The accounts that hold a value (never the values): for tests. */
  accounts(): string[] {
    return [...this.values.keys()].sort();
  }
}
