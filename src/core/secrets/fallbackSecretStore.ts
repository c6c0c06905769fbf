import type { SecretKind, SecretStore } from './secretStore';

export type PrimaryStoreFactory = () => { ok: true; store: SecretStore } | { ok: false; reason: string };

/**
 * Uses the primary store (the OS keychain) and switches to the fallback (VS Code SecretStorage) for the
 * rest of the session when the primary cannot be loaded or fails (e.g. no Secret Service on the bus),
 * calling `onFallback` once so the user sees a notice. The primary is created on first use, not before.
 */
export class FallbackSecretStore implements SecretStore {
  private primary: SecretStore | undefined;
  private failedReason: string | undefined;

  constructor(
    private readonly createPrimary: PrimaryStoreFactory,
    private readonly fallback: SecretStore,
    private readonly onFallback: (reason: string) => void,
    /** A keychain that does not answer (no Secret Service on the bus) counts as failed after this long. */
    private readonly primaryTimeoutMs = 5000,
    /** What the primary is, before its first use (the Set Password prompt names it without loading it). */
    private readonly primaryDescription?: string,
  ) {}

  get description(): string {
    if (this.failedReason !== undefined) return this.fallback.description;
    return this.primary?.description ?? this.primaryDescription ?? this.fallback.description;
  }

  /** Why the primary store is not used, once it failed. */
  get fallbackReason(): string | undefined {
    return this.failedReason;
  }

  private active(): SecretStore {
    if (this.failedReason !== undefined) return this.fallback;
    if (!this.primary) {
      const created = this.createPrimary();
      if (!created.ok) return this.switchToFallback(created.reason);
      this.primary = created.store;
    }
    return this.primary;
  }

  private switchToFallback(reason: string): SecretStore {
    if (this.failedReason === undefined) {
      this.failedReason = reason;
      this.onFallback(reason);
    }
    return this.fallback;
  }

  private async run<T>(op: (store: SecretStore) => Promise<T>): Promise<T> {
    const store = this.active();
    if (store === this.fallback) return op(store);
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${store.description} did not answer within ${this.primaryTimeoutMs} ms`)), this.primaryTimeoutMs);
      });
      try {
        return await Promise.race([op(store), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } catch (e) {
      return op(this.switchToFallback(e instanceof Error ? e.message : String(e)));
    }
  }

  get(connectionId: string, kind: SecretKind): Promise<string | undefined> {
    return this.run((s) => s.get(connectionId, kind));
  }

  set(connectionId: string, kind: SecretKind, value: string): Promise<void> {
    return this.run((s) => s.set(connectionId, kind, value));
  }

  delete(connectionId: string, kind: SecretKind): Promise<void> {
    return this.run((s) => s.delete(connectionId, kind));
  }
}
