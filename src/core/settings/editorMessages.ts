import type { PathContext } from '../paths';
import { parseConnectionSettings, type SettingsProblem, type SettingsScope } from './connectionSettings';
import { validateCertificateFile, validateConnectionName, validateKeyFile } from './wizardValidation';

/**
 * The connection editor form (media/connectionEditor.js) and the extension talk through these messages. The
 * form holds only the settings it shows, as a flat record keyed by the settings path (`port`, `ssl.mode`,
 * `ssh.jump.host`), so a problem the core validator reports for a field lands next to that field. The raw
 * settings entry stays in the extension: fields the form does not know (and inline secrets) never reach the
 * webview and are kept on save.
 *
 * The webview is untrusted input (a script injected into it could post anything): every request is checked
 * here against the exact shape below (no extra keys, no prototype keys, only the listed types and options).
 */

/** Text fields: the value as typed (numbers too, so the validator can name a bad one). */
export const EDITOR_TEXT_FIELDS = [
  'name',
  'host',
  'port',
  'user',
  'database',
  'connectTimeoutMs',
  'serverPublicKey',
  'ssl.ca',
  'ssl.cert',
  'ssl.key',
  'ssl.pfx',
  'ssl.ciphers',
  'ssl.servername',
  'ssh.host',
  'ssh.port',
  'ssh.user',
  'ssh.keyFile',
  'ssh.knownHosts',
  'ssh.keepaliveSeconds',
  'ssh.jump.host',
  'ssh.jump.port',
  'ssh.jump.user',
  'ssh.jump.keyFile',
  'auth.region',
  'auth.profile',
  'auth.tenantId',
  'auth.clientId',
  'auth.impersonate',
] as const;
export type EditorTextField = (typeof EDITOR_TEXT_FIELDS)[number];

export const EDITOR_BOOLEAN_FIELDS = ['readOnly', 'getServerPublicKey', 'ssh.enabled', 'ssh.jump.enabled'] as const;
export type EditorBooleanField = (typeof EDITOR_BOOLEAN_FIELDS)[number];

/** Choice fields and their options ('' = not set: the default applies). */
export const EDITOR_CHOICES = {
  kind: ['mysql', 'proxysqlAdmin'],
  'ssl.mode': ['', 'DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'],
  'ssl.caSource': ['file', 'system'],
  /** Form only: which client certificate fields apply (PEM pair or PKCS#12). */
  'ssl.clientCertificate': ['none', 'pem', 'pfx'],
  'ssl.minVersion': ['', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'],
  'ssl.maxVersion': ['', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'],
  'ssh.auth': ['agent', 'key', 'password'],
  'ssh.jump.auth': ['agent', 'key', 'password'],
  'auth.method': ['password', 'awsIam', 'azureEntra', 'gcpIam'],
} as const;
export type EditorChoiceField = keyof typeof EDITOR_CHOICES;

export type EditorValues = { [K in EditorTextField]: string } & { [K in EditorBooleanField]: boolean } & {
  [K in EditorChoiceField]: (typeof EDITOR_CHOICES)[K][number];
};
export type EditorField = keyof EditorValues;

/** Whether `field` is one of the form's fields (a settings path such as "ssl.ca"). */
export function isEditorField(field: string): field is EditorField {
  return (
    (EDITOR_TEXT_FIELDS as readonly string[]).includes(field) ||
    (EDITOR_BOOLEAN_FIELDS as readonly string[]).includes(field) ||
    Object.prototype.hasOwnProperty.call(EDITOR_CHOICES, field)
  );
}

/** Fields whose Browse… button opens a file dialog in the extension host. */
export const EDITOR_BROWSE_FIELDS = [
  'ssl.ca',
  'ssl.cert',
  'ssl.key',
  'ssl.pfx',
  'serverPublicKey',
  'ssh.keyFile',
  'ssh.knownHosts',
  'ssh.jump.keyFile',
] as const;
export type EditorBrowseField = (typeof EDITOR_BROWSE_FIELDS)[number];

/** Webview -> extension. */
export type EditorRequest =
  | { type: 'ready' }
  | { type: 'validate'; values: EditorValues }
  | { type: 'save'; values: EditorValues }
  | { type: 'test'; values: EditorValues }
  | { type: 'browse'; field: EditorBrowseField }
  | { type: 'setPassword' }
  | { type: 'cancel' };

/** One problem shown next to its field (`field` '' or unknown to the form: shown at the top). */
export interface EditorProblem {
  field: string;
  severity: 'error' | 'warning';
  message: string;
}

/** The Test Connection result shown in the form. */
export interface EditorTestResult {
  ok: boolean;
  /** One line per step (TCP, TLS, verification, login, ...), in order. */
  steps: { label: string; ok: boolean; detail: string }[];
  /** On failure: what to do. */
  fix?: string;
}

/** Extension -> webview. Every string is shown as text (textContent), never as markup. */
export type EditorUpdate =
  | {
      type: 'init';
      values: EditorValues;
      /** Where Save writes ("user" or "workspace" settings), and notices shown above the form. */
      scope: SettingsScope;
      title: string;
      notices: string[];
      /** Restricted Mode: files are not read and Test Connection is refused. */
      restricted: boolean;
      /** The field to focus (a fix's "Edit Connection…" opens at the setting it is about); else the name. */
      focus?: string;
    }
  | { type: 'focus'; field: string }
  | { type: 'problems'; problems: EditorProblem[] }
  | { type: 'browsed'; field: EditorBrowseField; value: string }
  | { type: 'testing' }
  | { type: 'testResult'; result: EditorTestResult }
  | { type: 'saved'; message: string };

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Exactly these own keys: no more, no fewer (so `__proto__`, `constructor` and extras are refused). */
function hasExactKeys(v: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.getOwnPropertyNames(v);
  return own.length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(v, k)) && Object.getOwnPropertySymbols(v).length === 0;
}

const ALL_FIELDS: readonly string[] = [...EDITOR_TEXT_FIELDS, ...EDITOR_BOOLEAN_FIELDS, ...Object.keys(EDITOR_CHOICES)];
/** Longer than any real setting; a bigger value is refused rather than validated, written or echoed. */
export const MAX_EDITOR_TEXT_LENGTH = 4096;

/** The form's values, or undefined when anything about them is off. */
export function parseEditorValues(v: unknown): EditorValues | undefined {
  if (!isPlainRecord(v) || !hasExactKeys(v, ALL_FIELDS)) return undefined;
  for (const f of EDITOR_TEXT_FIELDS) {
    const value = v[f];
    if (typeof value !== 'string' || value.length > MAX_EDITOR_TEXT_LENGTH) return undefined;
  }
  for (const f of EDITOR_BOOLEAN_FIELDS) if (typeof v[f] !== 'boolean') return undefined;
  for (const [f, options] of Object.entries(EDITOR_CHOICES)) if (!(options as readonly unknown[]).includes(v[f])) return undefined;
  // A copy with only the known keys on a null-prototype-free plain object.
  const copy: Record<string, unknown> = {};
  for (const f of ALL_FIELDS) copy[f] = v[f];
  return copy as EditorValues;
}

/** A request from the webview, or undefined when it is not exactly one of EditorRequest. */
export function parseEditorRequest(message: unknown): EditorRequest | undefined {
  if (!isPlainRecord(message) || typeof message.type !== 'string') return undefined;
  switch (message.type) {
    case 'ready':
    case 'setPassword':
    case 'cancel':
      return hasExactKeys(message, ['type']) ? { type: message.type } : undefined;
    case 'validate':
    case 'save':
    case 'test': {
      if (!hasExactKeys(message, ['type', 'values'])) return undefined;
      const values = parseEditorValues(message.values);
      return values ? { type: message.type, values } : undefined;
    }
    case 'browse':
      return hasExactKeys(message, ['type', 'field']) && (EDITOR_BROWSE_FIELDS as readonly unknown[]).includes(message.field)
        ? { type: 'browse', field: message.field as EditorBrowseField }
        : undefined;
    default:
      return undefined;
  }
}

// ---- settings entry <-> form values ------------------------------------------------------------------

type Entry = Record<string, unknown>;

function rec(v: unknown): Entry | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Entry) : undefined;
}
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
function choice<K extends EditorChoiceField>(field: K, v: unknown, fallback: EditorValues[K]): EditorValues[K] {
  return (EDITOR_CHOICES[field] as readonly unknown[]).includes(v) ? (v as EditorValues[K]) : fallback;
}

/** The form's values for a raw settings entry (values of the wrong type show as empty: the validator names them). */
export function editorValuesOf(raw: unknown): EditorValues {
  const e = rec(raw) ?? {};
  const ssl = rec(e.ssl) ?? {};
  const ssh = rec(e.ssh);
  const jump = rec(ssh?.jump);
  const auth = rec(e.auth) ?? {};
  return {
    name: text(e.name),
    kind: choice('kind', e.kind, 'mysql'),
    host: text(e.host),
    port: text(e.port),
    user: text(e.user),
    database: text(e.database),
    connectTimeoutMs: text(e.connectTimeoutMs),
    readOnly: e.readOnly === true,
    serverPublicKey: text(e.serverPublicKey),
    getServerPublicKey: e.getServerPublicKey === true,
    'ssl.mode': choice('ssl.mode', typeof ssl.mode === 'string' ? ssl.mode.toUpperCase() : ssl.mode, ''),
    'ssl.caSource': choice('ssl.caSource', ssl.caSource, 'file'),
    'ssl.ca': text(ssl.ca),
    'ssl.clientCertificate': ssl.pfx && !ssl.cert && !ssl.key ? 'pfx' : ssl.cert || ssl.key ? 'pem' : 'none',
    'ssl.cert': text(ssl.cert),
    'ssl.key': text(ssl.key),
    'ssl.pfx': text(ssl.pfx),
    'ssl.minVersion': choice('ssl.minVersion', ssl.minVersion, ''),
    'ssl.maxVersion': choice('ssl.maxVersion', ssl.maxVersion, ''),
    'ssl.ciphers': text(ssl.ciphers),
    'ssl.servername': text(ssl.servername),
    'ssh.enabled': ssh !== undefined,
    'ssh.host': text(ssh?.host),
    'ssh.port': text(ssh?.port),
    'ssh.user': text(ssh?.user),
    'ssh.auth': choice('ssh.auth', ssh?.auth, 'agent'),
    'ssh.keyFile': text(ssh?.keyFile),
    'ssh.knownHosts': text(ssh?.knownHosts),
    'ssh.keepaliveSeconds': text(ssh?.keepaliveSeconds),
    'ssh.jump.enabled': jump !== undefined,
    'ssh.jump.host': text(jump?.host),
    'ssh.jump.port': text(jump?.port),
    'ssh.jump.user': text(jump?.user),
    'ssh.jump.auth': choice('ssh.jump.auth', jump?.auth, 'agent'),
    'ssh.jump.keyFile': text(jump?.keyFile),
    'auth.method': choice('auth.method', auth.method, 'password'),
    'auth.region': text(auth.region),
    'auth.profile': text(auth.profile),
    'auth.tenantId': text(auth.tenantId),
    'auth.clientId': text(auth.clientId),
    'auth.impersonate': text(auth.impersonate),
  };
}

/** Number fields: a whole number is written as a number; anything else is kept as typed, for the validator to name. */
const NUMBER_FIELDS = new Set<string>(['port', 'connectTimeoutMs', 'ssh.port', 'ssh.keepaliveSeconds', 'ssh.jump.port']);

/** Which cloud-login fields each method uses (the others are removed when the method changes). */
const AUTH_FIELDS: Record<EditorValues['auth.method'], readonly string[]> = {
  password: [],
  awsIam: ['region', 'profile'],
  azureEntra: ['tenantId', 'clientId'],
  gcpIam: ['impersonate'],
};

function setOrDelete(holder: Entry, key: string, value: unknown): void {
  if (value === undefined || value === '' || value === false) delete holder[key];
  else holder[key] = value;
}

function formValue(values: EditorValues, field: EditorTextField): string | number | undefined {
  const v = values[field].trim();
  if (v === '') return undefined;
  return NUMBER_FIELDS.has(field) && /^\d{1,10}$/.test(v) ? Number(v) : v;
}

/** A deep copy of JSON data (the entry comes from settings JSON) without prototype keys. */
function jsonCopy(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? {}), (k, val: unknown) => (k === '__proto__' ? undefined : val)) as unknown;
}

/**
 * The settings entry after the form's edit: starts from the raw entry and writes only the fields the user
 * changed, so every other key (the id, inline secrets the extension offers to move, blocks and keys of
 * features the form does not know yet, and values written differently but meaning the same) stays as it
 * was. A field emptied in the form is removed (its default applies).
 */
export function applyEditorValues(raw: unknown, values: EditorValues): Entry {
  const entry = (rec(jsonCopy(raw)) ?? {}) as Entry;
  const original = editorValuesOf(raw);
  const changed = (...fields: EditorField[]): boolean => fields.some((f) => values[f] !== original[f]);
  for (const field of ['name', 'host', 'port', 'user', 'database', 'connectTimeoutMs', 'serverPublicKey'] as const) {
    if (changed(field)) setOrDelete(entry, field, formValue(values, field));
  }
  if (changed('kind')) setOrDelete(entry, 'kind', values.kind === 'mysql' ? undefined : values.kind);
  if (changed('readOnly')) setOrDelete(entry, 'readOnly', values.readOnly);
  if (changed('getServerPublicKey')) setOrDelete(entry, 'getServerPublicKey', values.getServerPublicKey);

  const before = rec(entry.ssl) ?? {};
  const ssl: Entry = { ...before };
  let sslChanged = false;
  const sslField = (key: string, field: EditorField, value: unknown, force = false): void => {
    if (!force && !changed(field)) return;
    setOrDelete(ssl, key, value);
    sslChanged = true;
  };
  sslField('mode', 'ssl.mode', values['ssl.mode']);
  sslField('caSource', 'ssl.caSource', values['ssl.caSource'] === 'system' ? 'system' : undefined);
  sslField('ca', 'ssl.ca', formValue(values, 'ssl.ca'));
  const cert = values['ssl.clientCertificate'];
  const certChanged = changed('ssl.clientCertificate');
  sslField('cert', 'ssl.cert', cert === 'pem' ? formValue(values, 'ssl.cert') : undefined, certChanged);
  sslField('key', 'ssl.key', cert === 'pem' ? formValue(values, 'ssl.key') : undefined, certChanged);
  sslField('pfx', 'ssl.pfx', cert === 'pfx' ? formValue(values, 'ssl.pfx') : undefined, certChanged);
  sslField('minVersion', 'ssl.minVersion', values['ssl.minVersion']);
  sslField('maxVersion', 'ssl.maxVersion', values['ssl.maxVersion']);
  sslField('ciphers', 'ssl.ciphers', formValue(values, 'ssl.ciphers'));
  sslField('servername', 'ssl.servername', formValue(values, 'ssl.servername'));
  // A cloud preset names where the CA came from: it stays only while the CA setting is unchanged.
  if (ssl.ca !== before.ca || ssl.caSource !== before.caSource) delete ssl.caPreset;
  if (sslChanged) setOrDelete(entry, 'ssl', Object.keys(ssl).length > 0 ? ssl : undefined);

  if (!values['ssh.enabled']) {
    if (changed('ssh.enabled')) delete entry.ssh;
  } else {
    const enabledNow = changed('ssh.enabled');
    const ssh: Entry = { ...(rec(entry.ssh) ?? {}) };
    for (const f of ['host', 'port', 'user', 'keyFile', 'knownHosts', 'keepaliveSeconds'] as const)
      if (enabledNow || changed(`ssh.${f}`)) setOrDelete(ssh, f, formValue(values, `ssh.${f}`));
    if (enabledNow || changed('ssh.auth') || ssh.auth === undefined) ssh.auth = values['ssh.auth'];
    if (!values['ssh.jump.enabled']) {
      if (changed('ssh.jump.enabled')) delete ssh.jump;
    } else {
      const jumpNow = changed('ssh.jump.enabled');
      const jump: Entry = { ...(rec(ssh.jump) ?? {}) };
      for (const f of ['host', 'port', 'user', 'keyFile'] as const)
        if (jumpNow || changed(`ssh.jump.${f}`)) setOrDelete(jump, f, formValue(values, `ssh.jump.${f}`));
      if (jumpNow || changed('ssh.jump.auth') || jump.auth === undefined) jump.auth = values['ssh.jump.auth'];
      ssh.jump = jump;
    }
    entry.ssh = ssh;
  }

  const method = values['auth.method'];
  const methodChanged = changed('auth.method');
  const authFields = ['region', 'profile', 'tenantId', 'clientId', 'impersonate'] as const;
  if (methodChanged || authFields.some((f) => changed(`auth.${f}`))) {
    const auth: Entry = { ...(rec(entry.auth) ?? {}) };
    for (const f of authFields) {
      const relevant = AUTH_FIELDS[method].includes(f);
      if (!relevant && methodChanged) delete auth[f];
      else if (relevant && (methodChanged || changed(`auth.${f}`))) setOrDelete(auth, f, formValue(values, `auth.${f}`));
    }
    if (method === 'password') delete auth.method;
    else auth.method = method;
    setOrDelete(entry, 'auth', Object.keys(auth).length > 0 ? auth : undefined);
  }
  return entry;
}

export interface EditorValidationContext {
  scope: SettingsScope;
  paths?: PathContext;
  /** Names of the other connections (a name must be unique). */
  otherNames: readonly string[];
  /** Restricted Mode: no file is read. */
  restricted: boolean;
}

/**
 * Every problem of the edited entry, each naming its field: the core settings validator for the whole entry
 * (so rules added there show up in the form by themselves), plus what the wizard checks too (a unique name,
 * the certificate and key files). Warnings about keys the validator does not know yet are left out: the
 * form knows those fields, and they are kept as written.
 */
export async function validateEditedEntry(entry: Entry, values: EditorValues, context: EditorValidationContext): Promise<EditorProblem[]> {
  const parsed = parseConnectionSettings([{ scope: context.scope, value: [entry] }], context.paths);
  const problems: EditorProblem[] = parsed.problems
    .filter((p: SettingsProblem) => !(p.severity === 'warning' && /is not a (connection|TLS) setting and is ignored$/.test(p.message)))
    .map((p) => ({ field: p.field, severity: p.severity, message: p.message }));
  for (const field of NUMBER_FIELDS) {
    const v = values[field as EditorTextField].trim();
    if (v !== '' && !/^\d{1,10}$/.test(v) && !problems.some((p) => p.field === field))
      problems.push({ field, severity: 'error', message: `${field} must be a whole number, not "${v}"` });
  }
  const nameProblem = values.name.trim() === '' ? undefined : validateConnectionName(values.name, context.otherNames);
  if (nameProblem) problems.push({ field: 'name', severity: 'error', message: nameProblem });
  if (values['ssl.clientCertificate'] === 'pem' && (values['ssl.cert'].trim() === '') !== (values['ssl.key'].trim() === '')) {
    const missing = values['ssl.cert'].trim() === '' ? 'ssl.cert' : 'ssl.key';
    problems.push({ field: missing, severity: 'error', message: `a client certificate needs both ssl.cert and ssl.key; enter ${missing}` });
  }
  if (values['ssl.clientCertificate'] === 'pfx' && values['ssl.pfx'].trim() === '')
    problems.push({ field: 'ssl.pfx', severity: 'error', message: 'enter the PKCS#12 file (.p12/.pfx), or choose no client certificate' });
  if (!context.restricted) {
    // Files are checked only where the validator found nothing about the field (e.g. a workspace ${env:} path).
    const unflagged = (field: string): boolean => !problems.some((p) => p.field === field && p.severity === 'error');
    const ssl = rec(entry.ssl) ?? {};
    const checks: Promise<EditorProblem | undefined>[] = [];
    const fileCheck = (field: string, run: () => Promise<string | undefined>): void =>
      void checks.push(run().then((message) => (message ? { field, severity: 'error' as const, message } : undefined)));
    const paths = { ...context.paths, allowEnv: context.scope === 'user' } as PathContext;
    if (typeof ssl.ca === 'string' && ssl.caSource !== 'system' && unflagged('ssl.ca'))
      fileCheck('ssl.ca', () => validateCertificateFile(ssl.ca as string, 'ssl.ca', paths));
    if (typeof ssl.cert === 'string' && unflagged('ssl.cert')) fileCheck('ssl.cert', () => validateCertificateFile(ssl.cert as string, 'ssl.cert', paths));
    if (typeof ssl.key === 'string' && unflagged('ssl.key')) fileCheck('ssl.key', async () => (await validateKeyFile(ssl.key as string, paths)).error);
    for (const p of await Promise.all(checks)) if (p) problems.push(p);
  }
  return problems;
}
