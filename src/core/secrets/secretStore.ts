import type { ConnectionSecrets } from '../profile';

/** The secret material a connection can have; everything else lives in settings. */
export const SECRET_KINDS = ['password', 'passphrase', 'keyPem', 'sshPassword', 'sshPassphrase'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

/** Keychain service name; the account is `<connectionId>/<kind>`. */
export const KEYCHAIN_SERVICE = 'mysql-tls';

export function secretAccount(connectionId: string, kind: SecretKind): string {
  return `${connectionId}/${kind}`;
}

/**
 * Where secrets are kept, keyed by the stable connection id (so renaming a connection keeps them).
 * Backends: OS keychain (keytar), VS Code SecretStorage, memory (tests).
 */
export interface SecretStore {
  /** Shown to the user, e.g. "the OS keychain". */
  readonly description: string;
  get(connectionId: string, kind: SecretKind): Promise<string | undefined>;
  set(connectionId: string, kind: SecretKind, value: string): Promise<void>;
  delete(connectionId: string, kind: SecretKind): Promise<void>;
}

export async function readConnectionSecrets(store: SecretStore, connectionId: string): Promise<ConnectionSecrets> {
  const [password, passphrase, keyPem, sshPassword, sshPassphrase] = await Promise.all(SECRET_KINDS.map((kind) => store.get(connectionId, kind)));
  const secrets: ConnectionSecrets = {};
  if (password !== undefined) secrets.password = password;
  if (passphrase !== undefined) secrets.passphrase = passphrase;
  if (keyPem !== undefined) secrets.keyPem = keyPem;
  if (sshPassword !== undefined) secrets.sshPassword = sshPassword;
  if (sshPassphrase !== undefined) secrets.sshPassphrase = sshPassphrase;
  return secrets;
}
