/**
 * How the UI names the place secrets are kept, so the Set Password prompt and toast, the tree tooltip and the
 * README say the same thing. SecretStorage on desktop VS Code is encrypted with a key the OS keychain holds
 * (Electron safeStorage); in a browser (code-server, vscode.dev) it is the browser's storage.
 */
export type SecretStoreKind = 'keychain' | 'secretStorage';

export const SECRET_STORE_DESCRIPTIONS: Readonly<Record<SecretStoreKind, string>> = {
  keychain: 'the OS keychain (keytar)',
  secretStorage: 'VS Code SecretStorage (OS keychain on desktop)',
};

/** One line for tooltips: where this connection's password and passphrase are stored. */
export function secretsLocationText(storeDescription: string): string {
  return `Password and passphrase: stored in ${storeDescription}, never in settings.`;
}
