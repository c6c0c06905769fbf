import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SecretStoreKind } from '../presentation/secretStoreText';

/**
 * Which store keeps passwords and passphrases. The platform VSIXs ship keytar (a native module) in
 * `<extension>/node_modules/keytar`; the universal VSIX does not, and then SecretStorage is the store: chosen
 * up front, quietly (it is the designed behaviour of that build, not a failure), never plaintext.
 * `setting` is the user-only `mysqlTls.secretStorage` (application scope): a workspace cannot steer this.
 */
export type SecretStoreChoice = { kind: 'keychain' } | { kind: 'secretStorage'; because: 'setting' | 'keytarNotPackaged' };

export function chooseSecretStore(setting: SecretStoreKind, keytarPackaged: boolean): SecretStoreChoice {
  if (setting === 'secretStorage') return { kind: 'secretStorage', because: 'setting' };
  return keytarPackaged ? { kind: 'keychain' } : { kind: 'secretStorage', because: 'keytarNotPackaged' };
}

/** Where a platform VSIX has keytar. Only this folder counts: never a keytar found further up the file system. */
export function packagedKeytarDir(extensionRoot: string): string {
  return path.join(extensionRoot, 'node_modules', 'keytar');
}

export function keytarIsPackaged(extensionRoot: string): boolean {
  try {
    // throwIfNoEntry: the universal VSIX has no keytar, and a thrown ENOENT costs milliseconds at activation.
    return fs.statSync(path.join(packagedKeytarDir(extensionRoot), 'package.json'), { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}
