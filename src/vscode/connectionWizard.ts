import { sshStep } from './sshStep';
import { publicKeyRetrievalIsInsecure } from '../core/mysql/authSha2';
import * as vscode from 'vscode';
import { keepUnaskedSettings } from '../core/settings/keepUnaskedSettings';
import type { PathContext } from '../core/paths';
import { access, constants } from 'node:fs/promises';
import * as path from 'node:path';
import { DEFAULT_PORT, PROXYSQL_ADMIN_PORT, type ConnectionKind, type ConnectionProfile, type SslSettings } from '../core/profile';
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

/** Thrown (and caught inside) when the user presses Escape: nothing is written. */
class Cancelled extends Error {}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Cancelled();
  return value;
}

const CA_ENTER = 'Enter path…';
const CA_BROWSE = 'Browse…';
const CA_SYSTEM = 'System trust store';
const CA_NONE = 'None';
const CA_PRESET = 'Cloud database preset…';
const CERT_NONE = 'None';
const CERT_ENTER = 'Enter paths…';
const CERT_BROWSE = 'Browse…';

/**
 * Add/Edit Connection: sequential InputBox/QuickPick steps, each validated. Escape at any step returns
 * undefined and nothing is written.
 */
export async function runConnectionWizard(options: WizardOptions): Promise<WizardResult | undefined> {
  try {
    return await steps(options);
  } catch (e) {
    if (e instanceof Cancelled) return undefined;
    throw e;
  }
}

async function steps(options: WizardOptions): Promise<WizardResult> {
  const { initial, paths } = options;
  const total = 9;
  const title = (step: number): string => `${options.title} (${step}/${total})`;
  const input = async (step: number, o: vscode.InputBoxOptions): Promise<string> =>
    need(await vscode.window.showInputBox({ ignoreFocusOut: true, title: title(step), ...o }));

  const name = (
    await input(1, {
      prompt: 'A name for the connection',
      placeHolder: 'Connection name',
      value: initial?.name ?? '',
      validateInput: (v) => validateConnectionName(v, options.otherNames),
    })
  ).trim();
  const host = (
    await input(2, { prompt: 'Server host name or IP address', placeHolder: 'db.example.com', value: initial?.host ?? '', validateInput: validateHost })
  ).trim();
  const port = Number(
    await input(3, { prompt: 'TCP port', placeHolder: String(DEFAULT_PORT), value: String(initial?.port ?? DEFAULT_PORT), validateInput: validatePort }),
  );
  const kind = await proxysqlKindStep(options, host, port);
  const adminSsl = kind === 'proxysqlAdmin' ? defaultAdminSsl(await localProxysqlCa(host)) : undefined;
  const user = (await input(4, { prompt: 'MySQL account name', placeHolder: 'User', value: initial?.user ?? '', validateInput: validateUser })).trim();
  const database = (
    await input(5, { prompt: 'Default database (optional: leave empty for none)', placeHolder: 'Database (optional)', value: initial?.database ?? '' })
  ).trim();

  const currentMode = initial?.ssl?.mode ?? adminSsl?.mode;
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
  const modePick = need(
    await vscode.window.showQuickPick(
      // The current (or recommended) mode first, so Enter keeps it.
      [...modeItems].sort((a, b) => Number(b.mode === (currentMode ?? 'VERIFY_IDENTITY')) - Number(a.mode === (currentMode ?? 'VERIFY_IDENTITY'))),
      { title: title(6), placeHolder: 'TLS mode (--ssl-mode)', ignoreFocusOut: true, matchOnDetail: true },
    ),
  );
  const mode = modePick.mode;
  const ssl: SslSettings = { mode };
  // Settings the wizard does not ask for are kept on edit.
  for (const key of ['minVersion', 'maxVersion', 'ciphers', 'servername'] as const) {
    const value = initial?.ssl?.[key];
    if (value !== undefined) (ssl as Record<string, unknown>)[key] = value;
  }
  let passphrase: string | undefined;

  if (mode !== 'DISABLED') {
    // Step 7: CA
    const verifies = SSL_MODE_RULES[mode].verifyChain;
    const caItems: vscode.QuickPickItem[] = [
      {
        label: CA_ENTER,
        detail: initial?.ssl?.ca
          ? `current: ${initial.ssl.ca}`
          : 'Type the path of a PEM CA file or bundle (${workspaceFolder}, ~ and ${env:NAME} are expanded)',
      },
      { label: CA_BROWSE, detail: 'Pick the CA file' },
      { label: CA_SYSTEM, detail: 'Verify against the public root CAs (publicly trusted servers)' },
      { label: CA_NONE, detail: verifies ? `${mode} fails without a CA` : 'The server certificate is not checked against a CA' },
      ...(options.chooseCloudPreset
        ? [{ label: CA_PRESET, detail: 'Amazon RDS, Azure, Google Cloud SQL, TencentDB, PlanetScale/TiDB Cloud: the mode and CA the provider documents' }]
        : []),
    ];
    const currentCa = initial?.ssl?.caSource === 'system' ? CA_SYSTEM : initial?.ssl?.ca || adminSsl?.ca ? CA_ENTER : undefined;
    if (adminSsl)
      caItems[0]!.detail = adminSsl.ca
        ? `ProxySQL's own CA: ${adminSsl.ca}`
        : `ProxySQL's own CA is ${PROXYSQL_CA_FILE_NAME} in its data directory (copy it here if ProxySQL runs elsewhere)`;
    if (currentCa) caItems.sort((a, b) => Number(b.label === currentCa) - Number(a.label === currentCa));
    const caPick = need(
      await vscode.window.showQuickPick(caItems, {
        title: title(7),
        placeHolder: 'Certificate authority (CA) that signed the server certificate',
        ignoreFocusOut: true,
      }),
    );
    if (caPick.label === CA_ENTER) {
      ssl.ca = (
        await input(7, {
          prompt: 'Path of the CA certificate (PEM)',
          placeHolder: '${workspaceFolder}/certs/ca.pem',
          value: initial?.ssl?.ca ?? adminSsl?.ca ?? '',
          validateInput: (v) => validateCertificateFile(v, 'ssl.ca', paths),
        })
      ).trim();
    } else if (caPick.label === CA_BROWSE) {
      ssl.ca = await browseFile('Select CA certificate', paths, 'ssl.ca');
    } else if (caPick.label === CA_SYSTEM) {
      ssl.caSource = 'system';
    } else if (caPick.label === CA_PRESET && options.chooseCloudPreset) {
      // The preset decides the mode and the CA (it may change the mode chosen at step 6, and says so).
      const preset = need(await options.chooseCloudPreset(ssl));
      for (const key of Object.keys(ssl) as (keyof SslSettings)[]) delete ssl[key];
      Object.assign(ssl, preset.ssl);
    }

    // Step 8: client certificate
    const currentCert = initial?.ssl?.cert ? CERT_ENTER : undefined;
    const certItems: vscode.QuickPickItem[] = [
      { label: CERT_NONE, detail: 'No client certificate (accounts with REQUIRE X509 need one)' },
      { label: CERT_ENTER, detail: initial?.ssl?.cert ? `current: ${initial.ssl.cert}` : 'Type the paths of the certificate and its key (PEM)' },
      { label: CERT_BROWSE, detail: 'Pick the certificate and key files' },
    ];
    if (currentCert) certItems.sort((a, b) => Number(b.label === currentCert) - Number(a.label === currentCert));
    const certPick = need(await vscode.window.showQuickPick(certItems, { title: title(8), placeHolder: 'Client certificate', ignoreFocusOut: true }));
    if (certPick.label === CERT_ENTER) {
      ssl.cert = (
        await input(8, {
          prompt: 'Path of the client certificate (PEM)',
          placeHolder: '${workspaceFolder}/certs/client-cert.pem',
          value: initial?.ssl?.cert ?? '',
          validateInput: (v) => validateCertificateFile(v, 'ssl.cert', paths),
        })
      ).trim();
      ssl.key = (
        await input(8, {
          prompt: 'Path of the client private key (PEM)',
          placeHolder: '${workspaceFolder}/certs/client-key.pem',
          value: initial?.ssl?.key ?? '',
          validateInput: async (v) => (await validateKeyFile(v, paths)).error,
        })
      ).trim();
    } else if (certPick.label === CERT_BROWSE) {
      ssl.cert = await browseFile('Select client certificate', paths, 'ssl.cert');
      ssl.key = await browseFile('Select client private key', paths, 'ssl.key');
    }
    if (ssl.key && (await validateKeyFile(ssl.key, paths)).encrypted) {
      const keyPath = ssl.key;
      passphrase = await input(8, {
        prompt: 'The private key is encrypted: its passphrase (stored in the keychain, not in settings)',
        password: true,
        validateInput: (v) => validateKeyPassphrase(keyPath, v, paths),
      });
    }
  }

  // Step 9: password. The insecure opt-in the wizard keeps from the entry is named here, where it matters.
  const insecureKeyRetrieval = initial !== undefined && publicKeyRetrievalIsInsecure({ ...initial, ssl: { ...initial.ssl, mode } });
  const password = await input(9, {
    prompt:
      (options.hasStoredPassword
        ? 'Password (leave empty to keep the stored one). Kept in the keychain, not in settings.'
        : 'Password (may be empty). Kept in the keychain, not in settings.') +
      (insecureKeyRetrieval
        ? ` INSECURE: getServerPublicKey is on, so without TLS the password is encrypted to whatever key the server sends (anyone on the path can read it); remove it from the settings or use REQUIRED or stronger.`
        : ''),
    placeHolder: 'Password',
    password: true,
  });

  const answers: WizardResult['profile'] = { name, host, port, user, ssl };
  if (kind) answers.kind = kind;
  if (database) answers.database = database;
  // An edit keeps what the wizard does not ask (kind, readOnly, TLS versions, ciphers, servername, ...):
  // a read-only connection never turns writable, and nothing else is lost, by an edit.
  const sshAnswer = await sshStep(`${options.title}: SSH`, initial?.ssh);
  if (!sshAnswer) throw new Cancelled();
  const profile = keepUnaskedSettings(initial, answers);
  if (sshAnswer.ssh) profile.ssh = sshAnswer.ssh;
  else delete profile.ssh;
  return { profile, password: options.hasStoredPassword && password === '' ? undefined : password, passphrase };
}

async function browseFile(title: string, paths: PathContext, field: string): Promise<string> {
  const uris = need(
    await vscode.window.showOpenDialog({
      title,
      canSelectMany: false,
      openLabel: 'Select',
      defaultUri: paths.workspaceFolder ? vscode.Uri.file(paths.workspaceFolder) : undefined,
      filters: { 'PEM files': ['pem', 'crt', 'cer', 'key'], 'All files': ['*'] },
    }),
  );
  const file = need(uris[0]).fsPath;
  const error = field === 'ssl.key' ? (await validateKeyFile(file, paths)).error : await validateCertificateFile(file, field, paths);
  if (error) {
    void vscode.window.showErrorMessage(`${field}: ${error}`);
    throw new Cancelled();
  }
  // Keep paths inside the workspace portable.
  if (paths.workspaceFolder && file.startsWith(`${paths.workspaceFolder}/`)) return `\${workspaceFolder}/${file.slice(paths.workspaceFolder.length + 1)}`;
  return file;
}

/**
 * The one extra step for ProxySQL: on port 6032 (the admin default) of a new connection, ask what listens
 * there. Other ports and edits skip it (an edit keeps the entry's kind).
 */
async function proxysqlKindStep(options: WizardOptions, host: string, port: number): Promise<ConnectionKind | undefined> {
  if (options.initial || port !== PROXYSQL_ADMIN_PORT) return undefined;
  const items: (vscode.QuickPickItem & { connectionKind: ConnectionKind })[] = [
    {
      label: 'ProxySQL admin interface',
      detail: 'Hostgroups, backend TLS and pending changes; TLS by default (ProxySQL 2.6+ offers it with its own CA)',
      connectionKind: 'proxysqlAdmin',
    },
    { label: 'MySQL or MariaDB server', detail: 'Or a ProxySQL client port: queries and the TLS report', connectionKind: 'mysql' },
  ];
  const pick = need(
    await vscode.window.showQuickPick(items, {
      title: `${options.title}: what listens on ${host}:${port}?`,
      placeHolder: "Port 6032 is ProxySQL's admin interface by default",
      ignoreFocusOut: true,
    }),
  );
  return pick.connectionKind === 'proxysqlAdmin' ? 'proxysqlAdmin' : undefined;
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
