import { SECRET_STORE_DESCRIPTIONS } from '../presentation/secretStoreText';
import { KEYCHAIN_SERVICE, secretAccount, type SecretKind, type SecretStore } from './secretStore';
import { keytarIsPackaged, packagedKeytarDir } from './storeSelection';

/** The part of keytar's API this store uses. */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export type KeytarLoadResult = { ok: true; keytar: KeytarApi } | { ok: false; reason: string };

let cached: KeytarLoadResult | undefined;

/**
 * keytar is a native addon, external to the bundle and optional: it is required on first use (never at
 * activation) inside try/catch, so a missing or broken build degrades to another store.
 */
export function loadKeytar(): KeytarLoadResult {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- external to the bundle, loaded lazily
    const mod = require('keytar') as KeytarApi & { default?: KeytarApi };
    const api = typeof mod.getPassword === 'function' ? mod : mod.default;
    cached = api && typeof api.getPassword === 'function' ? { ok: true, keytar: api } : { ok: false, reason: 'keytar loaded but has no getPassword()' };
  } catch (e) {
    cached = { ok: false, reason: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
  }
  return cached;
}

/**
 * keytar only when the extension's own folder has it (`<extensionRoot>/node_modules/keytar`, the platform
 * VSIXs). require('keytar') from dist/extension.js then resolves to that folder (dist/ has no node_modules);
 * without the check, the universal VSIX's require would search the parent folders (~/.vscode/extensions/
 * node_modules, ~/node_modules) and load whatever native code it found there. (A computed path would not do:
 * webpack replaces a require or createRequire it cannot resolve at build time with `undefined`.)
 */
export function loadPackagedKeytar(extensionRoot: string): KeytarLoadResult {
  return keytarIsPackaged(extensionRoot) ? loadKeytar() : { ok: false, reason: `keytar is not packaged (no ${packagedKeytarDir(extensionRoot)})` };
}

/** The OS keychain (libsecret / Keychain / Credential Manager): service `mysql-tls`, account `<id>/<kind>`. */
export class KeytarSecretStore implements SecretStore {
  readonly description = SECRET_STORE_DESCRIPTIONS.keychain;
  constructor(
    private readonly keytar: KeytarApi,
    private readonly service: string = KEYCHAIN_SERVICE,
  ) {}

  async get(connectionId: string, kind: SecretKind): Promise<string | undefined> {
    return (await this.keytar.getPassword(this.service, secretAccount(connectionId, kind))) ?? undefined;
  }

  async set(connectionId: string, kind: SecretKind, value: string): Promise<void> {
    await this.keytar.setPassword(this.service, secretAccount(connectionId, kind), value);
  }

  async delete(connectionId: string, kind: SecretKind): Promise<void> {
    await this.keytar.deletePassword(this.service, secretAccount(connectionId, kind));
  }
}
