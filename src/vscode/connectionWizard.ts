import { sshStep } from './sshStep';
import { publicKeyRetrievalIsInsecure } from '../core/mysql/authSha2';
import * as vscode from 'vscode';
import { isTokenAuth, type AuthSettings } from '../core/cloudAuth/authSettings';
import { authStep } from './authStep';
import { keepUnaskedSettings } from '../core/settings/keepUnaskedSettings';
import type { PathContext } from '../core/paths';
import { access, constants } from 'node:fs/promises';
import * as path from 'node:path';
import { DEFAULT_PORT, PROXYSQL_ADMIN_PORT, type ConnectionKind, type ConnectionProfile, type SshSettings, type SslSettings } from '../core/profile';
import { defaultAdminSsl, PROXYSQL_CA_FILE_NAME, PROXYSQL_DEFAULT_DATA_DIR } from '../core/proxysql/adminTls';
import { SSL_MODE_RULES, SSL_MODES, type SslMode } from '../core/tls/sslMode';
import {
  validateCertificateFile,
  validateConnectionName,
  validateHost,
  validateKeyFile,
  validateKeyPassphrase,
  validatePort,
  validateUser,
} from '../core/settings/wizardValidation';
import { InputFlowAction, runSteps, when, type MultiStepInput, type Step } from './multiStepInput';

/** What the wizard produces; the caller writes the settings entry and stores the secrets. */
export interface WizardResult {
  profile: Omit<ConnectionProfile, 'id'> & { name: string };
  /** undefined: keep what is stored (edit); '' : an empty password. */
  password?: string;
  passphrase?: string;
}

export interface WizardOptions {
  title: string;
  initial?: ConnectionProfile & { name: string };
  otherNames: readonly string[];
  paths: PathContext;
  /** Edit: whether a password is stored already (an empty answer keeps it). */
  hasStoredPassword?: boolean;
  /** Offers "Cloud database preset…" at the CA step: returns the preset's ssl settings (mode and CA). */
  chooseCloudPreset?: (previous: SslSettings) => Promise<{ ssl: SslSettings; label: string } | undefined>;
}

const CA_ENTER = 'Enter path…';
const CA_BROWSE = 'Browse…';
const CA_SYSTEM = 'System trust store';
const CA_NONE = 'None';
const CA_PRESET = 'Cloud database preset…';
const CERT_NONE = 'None';
const CERT_ENTER = 'Enter paths…';
const CERT_BROWSE = 'Browse…';
export const KIND_MYSQL = 'MySQL or MariaDB server';
export const KIND_PROXYSQL_ADMIN = 'ProxySQL admin interface';

/** The answers so far. Back keeps them: each step prefills from here. */
export interface WizardState {
  kind: ConnectionKind;
  name?: string;
  host?: string;
  port?: number;
  user?: string;
  database?: string;
  mode?: SslMode;
  /** ProxySQL admin: its default TLS settings (its own CA when it runs here). */
  adminSsl?: SslSettings;
  caChoice?: string;
  ca?: string;
  /** The mode and CA a cloud preset chose (replaces the mode step's choice). */
  presetSsl?: SslSettings;
  certChoice?: string;
  cert?: string;
  key?: string;
  keyEncrypted?: boolean;
  passphrase?: string;
  password?: string;
  /**
   * Settings blocks other steps add to the entry (e.g. `ssh` from src/vscode/sshStep.ts, `auth` from
   * src/vscode/authStep.ts), merged into the profile as they are.
   */
  blocks: Record<string, unknown>;
  /** The SSH step chose a direct connection (an edit then drops the entry's `ssh` block). */
  sshDirect?: boolean;
}

/**
 * Add Connection (and, for callers that still want it, a quick edit): InputBox/QuickPick steps, each
 * validated, with Back on every step after the first. Escape at any step returns undefined and nothing is
 * written.
 */
export async function runConnectionWizard(options: WizardOptions): Promise<WizardResult | undefined> {
  const { initial } = options;
  const state: WizardState = {
    kind: initial?.kind ?? 'mysql',
    name: initial?.name,
    host: initial?.host,
    port: initial?.port,
    user: initial?.user,
    database: initial?.database,
    mode: initial?.ssl?.mode,
    ca: initial?.ssl?.ca,
    cert: initial?.ssl?.cert,
    key: initial?.ssl?.key,
    blocks: {},
  };
  if (!(await runSteps(options.title, wizardSteps(options), state))) return undefined;
  return resultOf(options, state);
}

/** The steps, in order. A feature adds its step here, as one entry (a function of the input and the state). */
export function wizardSteps(options: WizardOptions): Step<WizardState>[] {
  const tls = (s: WizardState): boolean => s.mode !== 'DISABLED' && s.presetSsl?.mode !== 'DISABLED';
  return [
    (input, s) => kindStep(input, s, options),
    (input, s) => nameStep(input, s, options),
    hostStep,
    portStep,
    userStep,
    databaseStep,
    // Connect through SSH (src/vscode/sshStep.ts): host and port above are then the database as the bastion sees it.
    (input, s) => sshTunnelStep(input, s, options),
    modeStep,
    when(tls, (input, s) => caStep(input, s, options)),
    when(
      (s) => tls(s) && s.caChoice === CA_ENTER,
      (input, s) => caPathStep(input, s, options),
    ),
    when(tls, (input, s) => certStep(input, s, options)),
    when(
      (s) => tls(s) && s.certChoice === CERT_ENTER,
      (input, s) => certPathStep(input, s, options),
    ),
    when(
      (s) => tls(s) && s.certChoice === CERT_ENTER,
      (input, s) => keyPathStep(input, s, options),
    ),
    when(
      (s) => tls(s) && s.certChoice !== CERT_NONE && s.keyEncrypted === true,
      (input, s) => passphraseStep(input, s, options),
    ),
    // Authentication: a password (the next step) or a cloud identity token (no password); not for ProxySQL admin.
    when(
      (s) => s.kind !== 'proxysqlAdmin',
      (input, s) => authMethodStep(input, s, options),
    ),
    when(
      (s) => !isTokenAuth(s.blocks.auth as AuthSettings | undefined),
      (input, s) => passwordStep(input, s, options),
    ),
  ];
}

async function kindStep(input: MultiStepInput, s: WizardState, options: WizardOptions): Promise<void> {
  const items: (vscode.QuickPickItem & { connectionKind: ConnectionKind })[] = [
    { label: KIND_MYSQL, detail: 'Or a ProxySQL client port: queries and the TLS report', connectionKind: 'mysql' },
    {
      label: KIND_PROXYSQL_ADMIN,
      detail: 'Hostgroups, backend TLS and pending changes (default port 6032; TLS by default since ProxySQL 2.6, with its own CA)',
      connectionKind: 'proxysqlAdmin',
    },
  ];
  const picked = await input.quickPick({ placeholder: 'What does the connection talk to?', items, active: items.find((i) => i.connectionKind === s.kind) });
  // The port's default follows the kind, unless the user typed another port.
  if (picked.connectionKind !== s.kind && s.port === defaultPortOf(s.kind) && !options.initial) s.port = undefined;
  s.kind = picked.connectionKind;
}

function defaultPortOf(kind: ConnectionKind): number {
  return kind === 'proxysqlAdmin' ? PROXYSQL_ADMIN_PORT : DEFAULT_PORT;
}

async function nameStep(input: MultiStepInput, s: WizardState, options: WizardOptions): Promise<void> {
  s.name = (
    await input.inputBox({
      prompt: 'A name for the connection',
      placeholder: 'Connection name',
      value: s.name ?? '',
      validate: (v) => validateConnectionName(v, options.otherNames),
    })
  ).trim();
}

async function hostStep(input: MultiStepInput, s: WizardState): Promise<void> {
  s.host = (
    await input.inputBox({ prompt: 'Server host name or IP address', placeholder: 'db.example.com', value: s.host ?? '', validate: validateHost })
  ).trim();
}

async function portStep(input: MultiStepInput, s: WizardState): Promise<void> {
  const fallback = defaultPortOf(s.kind);
  s.port = Number(
    await input.inputBox({
      prompt: s.kind === 'proxysqlAdmin' ? "TCP port (ProxySQL's admin interface listens on 6032 by default)" : 'TCP port',
      placeholder: String(fallback),
      value: String(s.port ?? fallback),
      validate: validatePort,
    }),
  );
}

async function userStep(input: MultiStepInput, s: WizardState): Promise<void> {
  s.user = (await input.inputBox({ prompt: 'MySQL account name', placeholder: 'User', value: s.user ?? '', validate: validateUser })).trim();
}

async function databaseStep(input: MultiStepInput, s: WizardState): Promise<void> {
  s.database = (
    await input.inputBox({ prompt: 'Default database (optional: leave empty for none)', placeholder: 'Database (optional)', value: s.database ?? '' })
  ).trim();
}

async function modeStep(input: MultiStepInput, s: WizardState): Promise<void> {
  s.adminSsl = s.kind === 'proxysqlAdmin' ? defaultAdminSsl(await localProxysqlCa(s.host ?? '')) : undefined;
  const adminSsl = s.adminSsl;
  const currentMode = s.mode ?? adminSsl?.mode;
  const modeItems: (vscode.QuickPickItem & { mode: SslMode })[] = SSL_MODES.map((mode) => ({
    label: mode,
    mode,
    description:
      mode === currentMode
        ? adminSsl
          ? 'ProxySQL admin default (its auto-generated certificate names no host: VERIFY_IDENTITY cannot pass)'
          : 'current'
        : mode === 'VERIFY_IDENTITY' && !adminSsl
          ? 'recommended'
          : undefined,
    detail: SSL_MODE_RULES[mode].description,
  }));
  // The current (or recommended) mode first, so Enter keeps it.
  const first = currentMode ?? 'VERIFY_IDENTITY';
  const items = [...modeItems].sort((a, b) => Number(b.mode === first) - Number(a.mode === first));
  const picked = await input.quickPick({ placeholder: 'TLS mode (--ssl-mode)', items, active: items[0], matchOnDetail: true });
  if (picked.mode !== s.mode) s.presetSsl = undefined;
  s.mode = picked.mode;
}

async function caStep(input: MultiStepInput, s: WizardState, options: WizardOptions): Promise<void> {
  const { initial, paths } = options;
  const mode = s.mode ?? 'VERIFY_IDENTITY';
  const verifies = SSL_MODE_RULES[mode].verifyChain;
  const adminSsl = s.adminSsl;
  const caItems: vscode.QuickPickItem[] = [
    {
      label: CA_ENTER,
      detail: s.ca ? `current: ${s.ca}` : 'Type the path of a PEM CA file or bundle (${workspaceFolder}, ~ and ${env:NAME} are expanded)',
    },
    { label: CA_BROWSE, detail: 'Pick the CA file' },
    { label: CA_SYSTEM, detail: 'Verify against the public root CAs (publicly trusted servers)' },
    { label: CA_NONE, detail: verifies ? `${mode} fails without a CA` : 'The server certificate is not checked against a CA' },
    ...(options.chooseCloudPreset
      ? [{ label: CA_PRESET, detail: 'Amazon RDS, Azure, Google Cloud SQL, TencentDB, PlanetScale/TiDB Cloud: the mode and CA the provider documents' }]
      : []),
  ];
  if (adminSsl)
    caItems[0]!.detail = adminSsl.ca
      ? `ProxySQL's own CA: ${adminSsl.ca}`
      : `ProxySQL's own CA is ${PROXYSQL_CA_FILE_NAME} in its data directory (copy it here if ProxySQL runs elsewhere)`;
  const current = s.caChoice ?? (initial?.ssl?.caSource === 'system' ? CA_SYSTEM : initial?.ssl?.ca || adminSsl?.ca ? CA_ENTER : undefined);
  if (current) caItems.sort((a, b) => Number(b.label === current) - Number(a.label === current));
  for (;;) {
    const pick = await input.quickPick({ placeholder: 'Certificate authority (CA) that signed the server certificate', items: caItems, active: caItems[0] });
    if (pick.label === CA_BROWSE) {
      // A cancelled or unusable file shows this step again.
      const file = await browseFile('Select CA certificate', paths, 'ssl.ca');
      if (!file) continue;
      s.ca = file;
    } else if (pick.label === CA_PRESET && options.chooseCloudPreset) {
      // The preset decides the mode and the CA (it may change the mode chosen before, and says so).
      const preset = await options.chooseCloudPreset({ mode });
      if (!preset) continue;
      s.presetSsl = preset.ssl;
    } else if (pick.label === CA_ENTER && s.ca === undefined && adminSsl?.ca) s.ca = adminSsl.ca;
    if (pick.label !== CA_PRESET) s.presetSsl = undefined;
    s.caChoice = pick.label;
    return;
  }
}

async function caPathStep(input: MultiStepInput, s: WizardState, options: WizardOptions): Promise<void> {
  s.ca = (
    await input.inputBox({
      prompt: 'Path of the CA certificate (PEM)',
      placeholder: '${workspaceFolder}/certs/ca.pem',
      value: s.ca ?? '',
      validate: (v) => validateCertificateFile(v, 'ssl.ca', options.paths),
    })
  ).trim();
}

async function certStep(input: MultiStepInput, s: WizardState, options: WizardOptions): Promise<void> {
  const certItems: vscode.QuickPickItem[] = [
    { label: CERT_NONE, detail: 'No client certificate (accounts with REQUIRE X509 need one)' },
    { label: CERT_ENTER, detail: s.cert ? `current: ${s.cert}` : 'Type the paths of the certificate and its key (PEM)' },
    { label: CERT_BROWSE, detail: 'Pick the certificate and key files' },
  ];
  const current = s.certChoice ?? (options.initial?.ssl?.cert ? CERT_ENTER : undefined);
  if (current) certItems.sort((a, b) => Number(b.label === current) - Number(a.label === current));
  for (;;) {
    const pick = await input.quickPick({ placeholder: 'Client certificate', items: certItems, active: certItems[0] });
    if (pick.label === CERT_BROWSE) {
      const cert = await browseFile('Select client certificate', options.paths, 'ssl.cert');
      const key = cert && (await browseFile('Select client private key', options.paths, 'ssl.key'));
      if (!cert || !key) continue;
      s.cert = cert;
      s.key = key;
      s.keyEncrypted = (await validateKeyFile(key, options.paths)).encrypted;
    }
    s.certChoice = pick.label;
    return;
  }
}

async function certPathStep(input: MultiStepInput, s: WizardState, options: WizardOptions): Promise<void> {
  s.cert = (
    await input.inputBox({
      prompt: 'Path of the client certificate (PEM)',
      placeholder: '${workspaceFolder}/certs/client-cert.pem',
      value: s.cert ?? '',
      validate: (v) => validateCertificateFile(v, 'ssl.cert', options.paths),
    })
  ).trim();
}

async function keyPathStep(input: MultiStepInput, s: WizardState, options: WizardOptions): Promise<void> {
  s.key = (
    await input.inputBox({
      prompt: 'Path of the client private key (PEM)',
      placeholder: '${workspaceFolder}/certs/client-key.pem',
      value: s.key ?? '',
      validate: async (v) => (await validateKeyFile(v, options.paths)).error,
    })
  ).trim();
  s.keyEncrypted = (await validateKeyFile(s.key, options.paths)).encrypted;
}

async function passphraseStep(input: MultiStepInput, s: WizardState, options: WizardOptions): Promise<void> {
  const keyPath = s.key ?? '';
  s.passphrase = await input.inputBox({
    prompt: 'The private key is encrypted: its passphrase (stored in the keychain, not in settings)',
    password: true,
    validate: (v) => validateKeyPassphrase(keyPath, v, options.paths),
  });
}

/** The SSH step (src/vscode/sshStep.ts) inside the flow: Escape cancels the flow, Back returns here. */
async function sshTunnelStep(input: MultiStepInput, s: WizardState, options: WizardOptions): Promise<void> {
  input.shown = true;
  const answer = await sshStep(
    `${input.title} (${input.step}/${Math.max(input.step, input.totalSteps)})`,
    (s.blocks.ssh as SshSettings | undefined) ?? (s.sshDirect ? undefined : options.initial?.ssh),
  );
  if (!answer) throw InputFlowAction.cancel;
  s.sshDirect = !answer.ssh;
  if (answer.ssh) s.blocks.ssh = answer.ssh;
  else delete s.blocks.ssh;
}

/** The Authentication step (src/vscode/authStep.ts) inside the flow: Escape cancels the flow, Back returns here. */
async function authMethodStep(input: MultiStepInput, s: WizardState, options: WizardOptions): Promise<void> {
  input.shown = true;
  const auth = await authStep({
    title: `${input.title} (${input.step}/${Math.max(input.step, input.totalSteps)})`,
    initial: (s.blocks.auth as AuthSettings | undefined) ?? options.initial?.auth,
    mode: s.presetSsl?.mode ?? s.mode ?? 'VERIFY_IDENTITY',
    caPreset: s.presetSsl?.caPreset ?? options.initial?.ssl?.caPreset,
  });
  if (!auth) throw InputFlowAction.cancel;
  // A password login is the default and is not written, unless an edit turns a token login back into one.
  if (auth.method !== 'password' || options.initial?.auth) s.blocks.auth = auth;
  else delete s.blocks.auth;
}

async function passwordStep(input: MultiStepInput, s: WizardState, options: WizardOptions): Promise<void> {
  const { initial } = options;
  // The insecure opt-in the wizard keeps from the entry is named here, where it matters.
  const mode = s.presetSsl?.mode ?? s.mode;
  const insecureKeyRetrieval = initial !== undefined && publicKeyRetrievalIsInsecure({ ...initial, ssl: { ...initial.ssl, mode } });
  s.password = await input.inputBox({
    prompt:
      (options.hasStoredPassword
        ? 'Password (leave empty to keep the stored one). Kept in the keychain, not in settings.'
        : 'Password (may be empty). Kept in the keychain, not in settings.') +
      (insecureKeyRetrieval
        ? ` INSECURE: getServerPublicKey is on, so without TLS the password is encrypted to whatever key the server sends (anyone on the path can read it); remove it from the settings or use REQUIRED or stronger.`
        : ''),
    placeholder: 'Password',
    password: true,
  });
}

/** The profile from the answers: only what the chosen path asked for (answers left behind by Back are dropped). */
function resultOf(options: WizardOptions, s: WizardState): WizardResult {
  const { initial } = options;
  const mode = s.mode ?? 'VERIFY_IDENTITY';
  let ssl: SslSettings = { mode };
  // Settings the wizard does not ask for are kept on edit.
  for (const key of ['minVersion', 'maxVersion', 'ciphers', 'servername'] as const) {
    const value = initial?.ssl?.[key];
    if (value !== undefined) (ssl as Record<string, unknown>)[key] = value;
  }
  let passphrase: string | undefined;
  if (s.presetSsl?.mode !== 'DISABLED' && mode !== 'DISABLED') {
    if (s.caChoice === CA_PRESET && s.presetSsl) ssl = { ...s.presetSsl };
    else if ((s.caChoice === CA_ENTER || s.caChoice === CA_BROWSE) && s.ca) ssl.ca = s.ca;
    else if (s.caChoice === CA_SYSTEM) ssl.caSource = 'system';
    if ((s.certChoice === CERT_ENTER || s.certChoice === CERT_BROWSE) && s.cert && s.key) {
      ssl.cert = s.cert;
      ssl.key = s.key;
      if (s.keyEncrypted) passphrase = s.passphrase;
    }
  } else if (s.presetSsl) ssl = { ...s.presetSsl };
  const answers: WizardResult['profile'] = { name: s.name ?? '', host: s.host ?? '', port: s.port ?? defaultPortOf(s.kind), user: s.user ?? '', ssl };
  if (s.kind === 'proxysqlAdmin') answers.kind = 'proxysqlAdmin';
  if (s.database) answers.database = s.database;
  Object.assign(answers, s.blocks);
  // An edit keeps what the wizard does not ask (readOnly, TLS versions, ciphers, servername, ...): a
  // read-only connection never turns writable, and nothing else is lost, by an edit.
  const profile = keepUnaskedSettings(initial, answers);
  if (initial && s.kind === 'mysql') delete profile.kind;
  if (s.sshDirect) delete profile.ssh;
  if (isTokenAuth(profile.auth)) return { profile, password: undefined, passphrase };
  const password = s.password ?? '';
  return { profile, password: options.hasStoredPassword && password === '' ? undefined : password, passphrase };
}

/** A file from the dialog, checked (an unusable one is named in an error); undefined when cancelled or unusable. */
async function browseFile(title: string, paths: PathContext, field: string): Promise<string | undefined> {
  const uris = await vscode.window.showOpenDialog({
    title,
    canSelectMany: false,
    openLabel: 'Select',
    defaultUri: paths.workspaceFolder ? vscode.Uri.file(paths.workspaceFolder) : undefined,
    filters: { 'PEM files': ['pem', 'crt', 'cer', 'key'], 'All files': ['*'] },
  });
  const file = uris?.[0]?.fsPath;
  if (!file) return undefined;
  const error = field === 'ssl.key' ? (await validateKeyFile(file, paths)).error : await validateCertificateFile(file, field, paths);
  if (error) {
    void vscode.window.showErrorMessage(`${field}: ${error}`);
    return undefined;
  }
  return portablePath(file, paths);
}

/** Keeps paths inside the workspace portable (`${workspaceFolder}/...`). */
export function portablePath(file: string, paths: PathContext): string {
  if (paths.workspaceFolder && file.startsWith(`${paths.workspaceFolder}/`)) return `\${workspaceFolder}/${file.slice(paths.workspaceFolder.length + 1)}`;
  return file;
}

/** ProxySQL's CA in the packaged data directory, when the admin interface is on this machine and the file is readable. */
async function localProxysqlCa(host: string): Promise<string | undefined> {
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) return undefined;
  const file = path.join(PROXYSQL_DEFAULT_DATA_DIR, PROXYSQL_CA_FILE_NAME);
  try {
    await access(file, constants.R_OK);
    return file;
  } catch {
    return undefined;
  }
}
