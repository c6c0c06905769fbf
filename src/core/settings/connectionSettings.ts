import { createHash, randomUUID } from 'node:crypto';
import { authEntryOf, parseAuthSettings } from '../cloudAuth/authSettings';
import { expandPath, PathExpansionError, type PathContext } from '../paths';
import { defaultAdminMode } from '../proxysql/adminTls';
import {
  CONNECTION_KINDS,
  DEFAULT_PORT,
  MAX_TIMEOUT_MS,
  PROXYSQL_ADMIN_PORT,
  type CaSource,
  type ConnectionKind,
  type ConnectionProfile,
  type SslSettings,
} from '../profile';
import { checkSshSettings } from '../ssh/sshSettings';
import { effectiveSslMode, modeIsWeaker, parseSslMode, parseTlsVersion, SSL_MODES, TLS_VERSIONS, type SslMode } from '../tls/sslMode';

/**
 * Reads the `mysqlTls.connections` setting without VS Code: validates every entry on its own, so one bad
 * entry yields a problem naming its field and never hides the others.
 *
 * Scopes: the user and the workspace lists are merged (user entries first); a workspace entry with the
 * same id as a user entry replaces it, but never silently: the connection carries a `conflict` (shown in the
 * tree and the settings problems), flagged as weakening when its mode is weaker than the user entry's. The
 * workspace is untrusted input (a repository, or one pull request, writes it). Each connection remembers the
 * scope it came from, so edits are written back there. New connections go to the workspace when a folder is
 * open, else to the user.
 */
export type SettingsScope = 'user' | 'workspace' | 'workspaceFolder';

export interface SettingsSource {
  scope: SettingsScope;
  /** The raw value of `mysqlTls.connections` in that scope (anything: it is user-edited JSON). */
  value: unknown;
}

/** A connection with a usable profile. `profile.id` and `profile.name` are always set. */
export interface ConfiguredConnection {
  id: string;
  name: string;
  profile: ConnectionProfile & { id: string; name: string };
  scope: SettingsScope;
  /** Position in that scope's array. */
  index: number;
  /** False when the id was derived because the entry has none; it is written on the first secret save. */
  idPersisted: boolean;
  /** ssl.ca/cert/key/pfx after ${workspaceFolder}, ~ and ${env:NAME} expansion. */
  expandedPaths: Partial<Record<SslPathField, string>>;
  /** Warnings that do not stop the connection from working (unknown keys). */
  warnings: SettingsProblem[];
  /** A workspace entry that reuses the id of a user entry (which it replaces). */
  conflict?: ScopeConflict;
  /**
   * A workspace connection while the workspace is not trusted (Restricted Mode): listed, but it neither
   * connects nor has its files read.
   */
  restricted?: boolean;
}

/** What a workspace entry replaced: the user entry with the same id. */
export interface ScopeConflict {
  userProfile: ConnectionProfile & { id: string; name: string };
  /** The workspace entry's mode is weaker than the user entry's (e.g. PREFERRED over VERIFY_IDENTITY). */
  weakensMode: boolean;
  /** Host, port or user differ. */
  otherEndpoint: boolean;
  message: string;
}

/** An entry that cannot be used; shown as an error node naming the field. */
export interface InvalidConnection {
  key: string;
  label: string;
  id?: string;
  scope: SettingsScope;
  index: number;
  problems: SettingsProblem[];
}

export interface SettingsProblem {
  severity: 'error' | 'warning';
  scope: SettingsScope;
  index: number;
  /** The dotted field path inside the entry, e.g. `port` or `ssl.mode` (`` for the entry itself). */
  field: string;
  message: string;
  /** Set for a workspace entry that reuses a user entry's id: shown like an error although it still works. */
  conflict?: true;
}

export const INLINE_SECRET_KEYS = ['password', 'passphrase'] as const;
export type InlineSecretKey = (typeof INLINE_SECRET_KEYS)[number];

/** A password/passphrase typed into settings: offered to be moved to the keychain. Holds no value. */
export interface InlineSecretFinding {
  scope: SettingsScope;
  index: number;
  id: string;
  idPersisted: boolean;
  label: string;
  keys: InlineSecretKey[];
}

export interface ParsedConnectionSettings {
  connections: ConfiguredConnection[];
  invalid: InvalidConnection[];
  problems: SettingsProblem[];
  inlineSecrets: InlineSecretFinding[];
}

export const SSL_PATH_FIELDS = ['ca', 'cert', 'key', 'pfx'] as const;
export { MAX_TIMEOUT_MS };
/** C0 and C1 controls, DEL and the Unicode line/paragraph separators: in a host, path or name they only ever hide something. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The first control character of a string setting, named for the problem message. */
export function controlCharacterProblem(field: string, value: string): string | undefined {
  const m = CONTROL_CHARACTER.exec(value);
  if (!m) return undefined;
  const code = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `${field} contains a control character (U+${code} at position ${m.index + 1}); remove it (settings values are single-line text)`;
}
export type SslPathField = (typeof SSL_PATH_FIELDS)[number];

const ENTRY_KEYS = new Set([
  'id',
  'name',
  'host',
  'port',
  'user',
  'database',
  'connectTimeoutMs',
  'readOnly',
  'kind',
  'ssl',
  'serverPublicKey',
  'getServerPublicKey',
  'auth',
  'ssh',
  ...INLINE_SECRET_KEYS,
]);
const SSL_KEYS = new Set([
  'mode',
  'ca',
  'caSource',
  'cert',
  'key',
  'pfx',
  'minVersion',
  'maxVersion',
  'ciphers',
  'servername',
  'caPreset',
  ...INLINE_SECRET_KEYS,
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function newConnectionId(): string {
  return randomUUID();
}

/** A deterministic id for an entry written by hand without one (stable until the entry is edited). */
export function derivedConnectionId(scope: SettingsScope, entry: Record<string, unknown>): string {
  const basis = JSON.stringify([scope, entry.name ?? '', entry.host ?? '', entry.port ?? '', entry.user ?? '']);
  return `auto-${createHash('sha256').update(basis).digest('hex').slice(0, 12)}`;
}

export function defaultConnectionName(host: string, port: number | undefined, user: string): string {
  return `${user}@${host}:${port ?? DEFAULT_PORT}`;
}

interface EntryCheck {
  profile?: ConnectionProfile & { id: string; name: string };
  label: string;
  id: string;
  idPersisted: boolean;
  errors: SettingsProblem[];
  warnings: SettingsProblem[];
  expandedPaths: Partial<Record<SslPathField, string>>;
  inlineKeys: InlineSecretKey[];
}

function checkEntry(raw: unknown, scope: SettingsScope, index: number, paths: PathContext | undefined): EntryCheck {
  const errors: SettingsProblem[] = [];
  const warnings: SettingsProblem[] = [];
  const error = (field: string, message: string): void => void errors.push({ severity: 'error', scope, index, field, message });
  const warn = (field: string, message: string): void => void warnings.push({ severity: 'warning', scope, index, field, message });
  const fallbackLabel = `connection #${index + 1} (${scope} settings)`;
  if (!isRecord(raw)) {
    error('', `each connection must be an object, not ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`);
    return { label: fallbackLabel, id: `invalid-${scope}-${index}`, idPersisted: false, errors, warnings, expandedPaths: {}, inlineKeys: [] };
  }
  const str = (field: string, value: unknown, required: boolean): string | undefined => {
    if (value === undefined || value === null) {
      if (required) error(field, `${field} is missing`);
      return undefined;
    }
    if (typeof value !== 'string') {
      error(field, `${field} must be a string, not ${typeof value}`);
      return undefined;
    }
    if (required && value.trim() === '') {
      error(field, `${field} is empty`);
      return undefined;
    }
    const control = controlCharacterProblem(field, value);
    if (control) {
      error(field, control);
      return undefined;
    }
    return value;
  };
  /**
   * A path setting, expanded (undefined on a problem). `${env:NAME}` is for user settings only: in a
   * workspace's settings it would let a repository pull any environment variable (a cloud secret key) into a
   * path that is shown in errors, tooltips and the log.
   */
  const pathSetting = (field: string, value: string): string | undefined => {
    if (scope !== 'user' && /\$\{env:/.test(value)) {
      error(
        field,
        `${field} uses \${env:…}, which is allowed in user settings only (a workspace must not read your environment variables); write the path itself, or move this connection to your user settings`,
      );
      return undefined;
    }
    try {
      return expandPath(value, paths);
    } catch (e) {
      if (e instanceof PathExpansionError) error(field, e.message);
      else throw e;
      return undefined;
    }
  };
  const inlineKeys: InlineSecretKey[] = [];
  for (const key of Object.keys(raw)) {
    if ((INLINE_SECRET_KEYS as readonly string[]).includes(key)) inlineKeys.push(key as InlineSecretKey);
    else if (!ENTRY_KEYS.has(key)) warn(key, `"${key}" is not a connection setting and is ignored`);
  }

  const rawId = raw.id;
  let id: string;
  let idPersisted = false;
  if (rawId === undefined) id = derivedConnectionId(scope, raw);
  else if (typeof rawId !== 'string' || rawId.trim() === '') {
    error('id', 'id must be a non-empty string');
    id = derivedConnectionId(scope, raw);
  } else if (controlCharacterProblem('id', rawId)) {
    error('id', controlCharacterProblem('id', rawId)!);
    id = derivedConnectionId(scope, raw);
  } else {
    id = rawId;
    idPersisted = true;
  }
  const name = str('name', raw.name, false);
  const host = str('host', raw.host, true);
  const user = str('user', raw.user, true);
  const database = str('database', raw.database, false);
  let port: number | undefined;
  if (raw.port !== undefined) {
    if (typeof raw.port !== 'number' || !Number.isInteger(raw.port) || raw.port < 1 || raw.port > 65535) {
      error('port', `port must be a whole number from 1 to 65535, not ${JSON.stringify(raw.port)}`);
    } else port = raw.port;
  }
  let connectTimeoutMs: number | undefined;
  if (raw.connectTimeoutMs !== undefined) {
    if (
      typeof raw.connectTimeoutMs !== 'number' ||
      !Number.isInteger(raw.connectTimeoutMs) ||
      raw.connectTimeoutMs < 1 ||
      raw.connectTimeoutMs > MAX_TIMEOUT_MS
    ) {
      error(
        'connectTimeoutMs',
        `connectTimeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, not ${JSON.stringify(raw.connectTimeoutMs)}`,
      );
    } else connectTimeoutMs = raw.connectTimeoutMs;
  }

  // MySQL's --server-public-key-path and --get-server-public-key: how a password may travel without TLS.
  let serverPublicKey: string | undefined;
  const keyPath = str('serverPublicKey', raw.serverPublicKey, false);
  if (keyPath && pathSetting('serverPublicKey', keyPath) !== undefined) serverPublicKey = keyPath;
  let getServerPublicKey: boolean | undefined;
  if (raw.getServerPublicKey !== undefined) {
    if (typeof raw.getServerPublicKey !== 'boolean')
      error('getServerPublicKey', `getServerPublicKey must be true or false, not ${JSON.stringify(raw.getServerPublicKey)}`);
    else getServerPublicKey = raw.getServerPublicKey;
  }

  let kind: ConnectionKind | undefined;
  if (raw.kind !== undefined) {
    if (typeof raw.kind !== 'string' || !(CONNECTION_KINDS as readonly string[]).includes(raw.kind))
      error('kind', `kind ${JSON.stringify(raw.kind)} must be one of ${CONNECTION_KINDS.join(', ')}`);
    else kind = raw.kind as ConnectionKind;
  }

  let readOnly: boolean | undefined;
  if (raw.readOnly !== undefined) {
    if (typeof raw.readOnly !== 'boolean') error('readOnly', `readOnly must be true or false, not ${JSON.stringify(raw.readOnly)}`);
    else readOnly = raw.readOnly;
  }

  const ssl: SslSettings = {};
  const expandedPaths: Partial<Record<SslPathField, string>> = {};
  if (raw.ssl !== undefined) {
    if (!isRecord(raw.ssl)) error('ssl', 'ssl must be an object');
    else {
      const s = raw.ssl;
      for (const key of Object.keys(s)) {
        if ((INLINE_SECRET_KEYS as readonly string[]).includes(key)) inlineKeys.push(key as InlineSecretKey);
        else if (!SSL_KEYS.has(key)) warn(`ssl.${key}`, `"ssl.${key}" is not a TLS setting and is ignored`);
      }
      if (s.mode !== undefined) {
        const mode: SslMode | undefined = typeof s.mode === 'string' ? parseSslMode(s.mode) : undefined;
        if (!mode) error('ssl.mode', `ssl.mode ${JSON.stringify(s.mode)} is not one of ${SSL_MODES.join(', ')}`);
        else ssl.mode = mode;
      }
      for (const field of SSL_PATH_FIELDS) {
        const value = str(`ssl.${field}`, s[field], false);
        if (value === undefined || value === '') continue;
        ssl[field] = value;
        const expanded = pathSetting(`ssl.${field}`, value);
        if (expanded !== undefined) expandedPaths[field] = expanded;
      }
      if (s.caSource !== undefined) {
        if (s.caSource !== 'file' && s.caSource !== 'system') error('ssl.caSource', `ssl.caSource ${JSON.stringify(s.caSource)} must be "file" or "system"`);
        else ssl.caSource = s.caSource as CaSource;
      }
      for (const field of ['minVersion', 'maxVersion'] as const) {
        if (s[field] === undefined) continue;
        const v = typeof s[field] === 'string' ? parseTlsVersion(s[field]) : undefined;
        if (!v) error(`ssl.${field}`, `ssl.${field} ${JSON.stringify(s[field])} is not one of ${TLS_VERSIONS.join(', ')}`);
        else ssl[field] = v;
      }
      if (ssl.minVersion && ssl.maxVersion && TLS_VERSIONS.indexOf(ssl.minVersion) > TLS_VERSIONS.indexOf(ssl.maxVersion)) {
        error('ssl.minVersion', `ssl.minVersion ${ssl.minVersion} is above ssl.maxVersion ${ssl.maxVersion}`);
      }
      const ciphers = str('ssl.ciphers', s.ciphers, false);
      if (ciphers) ssl.ciphers = ciphers;
      const servername = str('ssl.servername', s.servername, false);
      if (servername) ssl.servername = servername;
      const caPreset = str('ssl.caPreset', s.caPreset, false);
      if (caPreset) ssl.caPreset = caPreset;
    }
  }

  let sshProfile: ConnectionProfile['ssh'];
  const authCheck = parseAuthSettings(raw.auth, effectiveSslMode(ssl));
  for (const p of authCheck.errors) error(p.field, p.message);
  for (const p of authCheck.warnings) warn(p.field, p.message);
  // Most entries have no ssh block: activation checks every entry, so the checker is not even called for them.
  if (raw.ssh !== undefined) {
    const sshCheck = checkSshSettings(raw.ssh, scope === 'user', str, (field, value) => pathSetting(field, value) !== undefined);
    for (const p of sshCheck.errors) error(p.field, p.message);
    for (const p of sshCheck.warnings) warn(p.field, p.message);
    if (sshCheck.ssh) sshProfile = sshCheck.ssh;
  }

  const label = name ?? (host && user ? defaultConnectionName(host, port, user) : fallbackLabel);
  const base: EntryCheck = { label, id, idPersisted, errors, warnings, expandedPaths, inlineKeys };
  if (errors.length > 0 || host === undefined || user === undefined) return base;
  const profile: ConnectionProfile & { id: string; name: string } = { id, name: label, host, user };
  if (kind === 'proxysqlAdmin') profile.kind = kind;
  if (port !== undefined) profile.port = port;
  else if (kind === 'proxysqlAdmin') profile.port = PROXYSQL_ADMIN_PORT;
  if (database) profile.database = database;
  if (connectTimeoutMs !== undefined) profile.connectTimeoutMs = connectTimeoutMs;
  if (readOnly) profile.readOnly = true;
  if (serverPublicKey) profile.serverPublicKey = serverPublicKey;
  if (getServerPublicKey) profile.getServerPublicKey = true;
  if (authCheck.auth && authCheck.auth.method !== 'password') profile.auth = authCheck.auth;
  if (sshProfile) profile.ssh = sshProfile;
  if (kind === 'proxysqlAdmin') {
    // ProxySQL's admin port offers TLS by default since 2.6.0 (mysql-have_ssl): no mode means TLS, not plaintext.
    if (!ssl.mode) ssl.mode = defaultAdminMode(ssl);
    if (ssl.mode === 'VERIFY_IDENTITY' && !ssl.servername) {
      warn(
        'ssl.mode',
        `VERIFY_IDENTITY on a ProxySQL admin port passes only with a certificate you installed for "${host}": ProxySQL's auto-generated certificate names no host. VERIFY_CA with its proxysql-ca.pem works.`,
      );
    }
  }
  if (Object.keys(ssl).length > 0) profile.ssl = ssl;
  // Set on the object rather than spread into a copy: this runs once per connection at activation.
  base.profile = profile;
  return base;
}

/** Parses and validates every scope's list; see the module comment for how scopes combine. */
export function parseConnectionSettings(sources: SettingsSource[], paths?: PathContext): ParsedConnectionSettings {
  const byId = new Map<string, ConfiguredConnection>();
  const invalid: InvalidConnection[] = [];
  const problems: SettingsProblem[] = [];
  const inlineSecrets: InlineSecretFinding[] = [];
  for (const { scope, value } of sources) {
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) {
      const problem: SettingsProblem = {
        severity: 'error',
        scope,
        index: -1,
        field: '',
        message: `mysqlTls.connections in ${scope} settings must be an array`,
      };
      problems.push(problem);
      invalid.push({ key: `${scope}:list`, label: `mysqlTls.connections (${scope} settings)`, scope, index: -1, problems: [problem] });
      continue;
    }
    const seenInScope = new Set<string>();
    value.forEach((raw, index) => {
      const check = checkEntry(raw, scope, index, paths);
      if (check.inlineKeys.length > 0) {
        inlineSecrets.push({ scope, index, id: check.id, idPersisted: check.idPersisted, label: check.label, keys: check.inlineKeys });
      }
      if (seenInScope.has(check.id)) {
        check.errors.push({
          severity: 'error',
          scope,
          index,
          field: 'id',
          message: `id "${check.id}" is used by another connection in ${scope} settings; ids must be unique`,
        });
      }
      seenInScope.add(check.id);
      if (check.errors.length > 0 || check.warnings.length > 0) problems.push(...check.errors, ...check.warnings);
      if (!check.profile || check.errors.length > 0) {
        invalid.push({
          key: `${scope}:${index}`,
          label: check.label,
          id: check.idPersisted ? check.id : undefined,
          scope,
          index,
          problems: [...check.errors, ...check.warnings],
        });
        return;
      }
      // A later scope (workspace) overrides an earlier one (user) with the same id, flagged as a conflict.
      const replaced = byId.get(check.id);
      const conflict = replaced && replaced.scope !== scope ? scopeConflict(replaced.profile, check.profile) : undefined;
      if (conflict) {
        const problem: SettingsProblem = { severity: 'warning', scope, index, field: 'id', message: conflict.message, conflict: true };
        check.warnings.push(problem);
        problems.push(problem);
      }
      byId.delete(check.id);
      const connection: ConfiguredConnection = {
        id: check.id,
        name: check.label,
        profile: check.profile,
        scope,
        index,
        idPersisted: check.idPersisted,
        expandedPaths: check.expandedPaths,
        warnings: check.warnings,
      };
      if (conflict) connection.conflict = conflict;
      byId.set(check.id, connection);
    });
  }
  return { connections: [...byId.values()], invalid, problems, inlineSecrets };
}

function scopeConflict(user: ConnectionProfile & { id: string; name: string }, workspace: ConnectionProfile): ScopeConflict {
  const userMode = effectiveSslMode(user.ssl);
  const workspaceMode = effectiveSslMode(workspace.ssl);
  const weakensMode = modeIsWeaker(workspaceMode, userMode);
  const otherEndpoint =
    user.host.toLowerCase() !== workspace.host.toLowerCase() ||
    (user.port ?? DEFAULT_PORT) !== (workspace.port ?? DEFAULT_PORT) ||
    user.user !== workspace.user;
  const endpoint = (p: ConnectionProfile): string => `${p.user}@${p.host}:${p.port ?? DEFAULT_PORT}`;
  const parts = [`the workspace settings reuse the id "${user.id}" of your user connection "${user.name}" (${endpoint(user)}, ${userMode}) and replace it`];
  if (otherEndpoint) parts.push(`with another endpoint (${endpoint(workspace)})`);
  if (weakensMode) parts.push(`with a weaker ssl-mode (${workspaceMode} instead of ${userMode})`);
  return {
    userProfile: user,
    weakensMode,
    otherEndpoint,
    message: `${parts.join(', ')}. Its stored secrets are not shared: the user connection's password is sent only if you confirm. Rename the id in the workspace settings if this is a different connection.`,
  };
}

/** The JSON object stored for a profile: only set fields, no secrets, id first. */
export function settingsEntryOf(profile: ConnectionProfile & { id: string }): Record<string, unknown> {
  const entry: Record<string, unknown> = { id: profile.id };
  if (profile.name) entry.name = profile.name;
  if (profile.kind === 'proxysqlAdmin') entry.kind = profile.kind;
  entry.host = profile.host;
  if (profile.port !== undefined) entry.port = profile.port;
  entry.user = profile.user;
  if (profile.database) entry.database = profile.database;
  if (profile.connectTimeoutMs !== undefined) entry.connectTimeoutMs = profile.connectTimeoutMs;
  if (profile.readOnly) entry.readOnly = true;
  if (profile.serverPublicKey) entry.serverPublicKey = profile.serverPublicKey;
  if (profile.getServerPublicKey) entry.getServerPublicKey = true;
  const auth = authEntryOf(profile.auth);
  if (auth) entry.auth = auth;
  if (profile.ssl) {
    const ssl: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(profile.ssl)) if (v !== undefined && v !== '') ssl[k] = v;
    if (Object.keys(ssl).length > 0) entry.ssl = ssl;
  }
  if (profile.ssh) entry.ssh = JSON.parse(JSON.stringify(profile.ssh)) as Record<string, unknown>;
  return entry;
}

/** Replaces the entry at `index` (or appends when index is undefined). Returns a new array. */
export function withEntry(list: unknown, entry: Record<string, unknown>, index?: number): unknown[] {
  const out = Array.isArray(list) ? [...(list as unknown[])] : [];
  if (index === undefined || index < 0 || index >= out.length) out.push(entry);
  else {
    // Keep keys we do not model (so an edit does not silently drop them), except secrets.
    const previous = isRecord(out[index]) ? (out[index] as Record<string, unknown>) : {};
    const merged: Record<string, unknown> = { ...entry };
    for (const [k, v] of Object.entries(previous)) {
      if (!(k in merged) && !ENTRY_KEYS.has(k)) merged[k] = v;
    }
    out[index] = merged;
  }
  return out;
}

export function withoutEntry(list: unknown, index: number): unknown[] {
  const out = Array.isArray(list) ? [...(list as unknown[])] : [];
  out.splice(index, 1);
  return out;
}

export interface ExtractedInlineSecrets {
  list: unknown[];
  /** The id the entry has after the change (persisted into it if it had none). */
  id: string;
  password?: string;
  passphrase?: string;
}

/**
 * Takes `password`/`passphrase` (top level or inside ssl) out of the entry at `index` and makes sure the
 * entry carries its id, so the secrets stored under that id stay attached to it.
 */
export function extractInlineSecrets(list: unknown, index: number, id: string): ExtractedInlineSecrets {
  const out = Array.isArray(list) ? [...(list as unknown[])] : [];
  const entry = out[index];
  if (!isRecord(entry)) return { list: out, id };
  const result: ExtractedInlineSecrets = { list: out, id };
  const copy: Record<string, unknown> = { id, ...entry };
  if (typeof copy.id !== 'string' || copy.id === '') copy.id = id;
  result.id = copy.id as string;
  const take = (holder: Record<string, unknown>): void => {
    for (const key of INLINE_SECRET_KEYS) {
      if (!(key in holder)) continue;
      const value = holder[key];
      if (typeof value === 'string' && value !== '' && result[key] === undefined) result[key] = value;
      delete holder[key];
    }
  };
  take(copy);
  if (isRecord(copy.ssl)) {
    const ssl = { ...copy.ssl };
    take(ssl);
    copy.ssl = ssl;
  }
  out[index] = copy;
  return result;
}

/** Writes the derived id into an entry that has none (before secrets are stored under it). */
export function withPersistedId(list: unknown, index: number, id: string): unknown[] {
  const out = Array.isArray(list) ? [...(list as unknown[])] : [];
  const entry = out[index];
  if (isRecord(entry) && entry.id === undefined) out[index] = { id, ...entry };
  return out;
}

/** Where a new connection is written: the workspace when a folder is open, else the user settings. */
export function scopeForNewConnection(hasWorkspaceFolder: boolean): SettingsScope {
  return hasWorkspaceFolder ? 'workspace' : 'user';
}
