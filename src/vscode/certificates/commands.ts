import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  commonNameProblem,
  DEFAULT_SERVER_HOSTS,
  DEFAULT_VALIDITY_DAYS,
  defaultCommonNames,
  hostListProblem,
  KEY_CHOICES,
  parseHostList,
  profileForGeneratedSet,
  uniqueName,
  validityDaysProblem,
  type KeyChoice,
} from '../../core/certificates/certificateWizard';
import { certificateSetFiles, generateCertificateSet, type CertificateSet } from '../../core/certificates/generateSet';
import { importCaBundle, writeImportedBundle, type ImportedBundle } from '../../core/certificates/importBundle';
import { inspectFile, renderInspection, type InspectionSummary } from '../../core/certificates/inspect';
import { isMysqlTlsError } from '../../core/errors';
import type { Logger } from '../../core/logging/logger';
import { newConnectionId, scopeForNewConnection } from '../../core/settings/connectionSettings';
import type { CertificateCommandId } from '../commandIds';
import type { ConnectionSettings } from '../connectionSettings';
import type { ReportViewer } from '../reports/reportViewer';
import type { ConfiguredSecretStore } from '../secrets';
import type { SecretGate } from '../../core/secrets/connectionVault';
import { showCommandError } from '../server/connectedConnection';

export interface CertificateCommandServices {
  settings: ConnectionSettings;
  secrets: ConfiguredSecretStore;
  gate: SecretGate;
  reports: ReportViewer;
  logger: Logger;
  /** The extension's global storage folder (context.globalStorageUri), a destination for imported bundles. */
  globalStorage: vscode.Uri;
}

type Handler = (...args: unknown[]) => unknown;

const CERTIFICATE_FILTERS: Record<string, string[]> = {
  'Certificates and keys': ['pem', 'crt', 'cer', 'der', 'p7b', 'p7c', 'p12', 'pfx', 'key', 'jks'],
  'All files': ['*'],
};

/** A file the command was given: an explorer Uri (file scheme), a path string, or { path } (tests, other commands). */
function fileOfArgument(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg.trim() || undefined;
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { scheme, fsPath, path: p } = arg as { scheme?: unknown; fsPath?: unknown; path?: unknown };
  if (typeof fsPath === 'string') return scheme === undefined || scheme === 'file' ? fsPath : undefined;
  return typeof p === 'string' && p ? p : undefined;
}

async function pickFile(title: string, openLabel: string): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title,
    openLabel,
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: false,
    filters: CERTIFICATE_FILTERS,
  });
  return picked?.[0]?.fsPath;
}

async function pickFolder(title: string, openLabel: string): Promise<string | undefined> {
  const defaultUri = vscode.workspace.workspaceFolders?.[0]?.uri;
  const picked = await vscode.window.showOpenDialog({
    title,
    openLabel,
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    ...(defaultUri ? { defaultUri } : {}),
  });
  return picked?.[0]?.fsPath;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

const MAX_PASSPHRASE_TRIES = 3;

/**
 * Runs `attempt` without a passphrase first, and asks for one only when the file needs it (a PKCS#12 or an
 * encrypted key), again after a wrong one, at most three times. The passphrase is never stored.
 */
async function withPassphraseWhenNeeded<T>(
  file: string,
  attempt: (passphrase: string | undefined) => Promise<T>,
  needsOne?: (result: T) => boolean,
): Promise<T | undefined> {
  let passphrase: string | undefined;
  for (let i = 0; i <= MAX_PASSPHRASE_TRIES; i++) {
    let problem: string | undefined;
    try {
      const result = await attempt(passphrase);
      if (passphrase !== undefined || !needsOne?.(result)) return result;
      problem = `${path.basename(file)} holds an encrypted private key. Enter its passphrase to check it against the certificate (Esc shows the summary without it).`;
      const typed = await vscode.window.showInputBox({ title: `Passphrase for ${path.basename(file)}`, prompt: problem, password: true, ignoreFocusOut: true });
      if (typed === undefined || typed === '') return result;
      passphrase = typed;
      continue;
    } catch (e) {
      if (!isMysqlTlsError(e) || (e.code !== 'key-needs-passphrase' && e.code !== 'key-wrong-passphrase')) throw e;
      if (i === MAX_PASSPHRASE_TRIES) throw e;
      problem =
        e.code === 'key-wrong-passphrase'
          ? `That passphrase does not open ${path.basename(file)}. Try again.`
          : `${path.basename(file)} is protected by a passphrase.`;
    }
    const typed = await vscode.window.showInputBox({
      title: `Passphrase for ${path.basename(file)}`,
      prompt: `${problem} It is used once and not stored.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (typed === undefined) return undefined;
    passphrase = typed;
  }
  return undefined;
}

/** Every certificate command, keyed by id. */
export function createCertificateCommands(
  s: CertificateCommandServices,
): Record<Extract<CertificateCommandId, 'mysqlTls.generateCertificates' | 'mysqlTls.importCaBundle' | 'mysqlTls.inspectCertificate'>, Handler> {
  const log = s.logger.child('certificates');

  async function generate(): Promise<CertificateSet | undefined> {
    const title = 'Generate Certificates';
    const steps = 8;
    const stepTitle = (n: number, what: string): string => `${title} (${n}/${steps}): ${what}`;

    const outputDir = await pickFolder(stepTitle(1, 'output folder'), 'Write Certificates Here');
    if (!outputDir) return undefined;

    const keyItems = KEY_CHOICES.map((choice) => ({ label: choice.label, description: choice.description, choice }));
    const keyPick = await vscode.window.showQuickPick(keyItems, {
      title: stepTitle(2, 'key type'),
      placeHolder: 'Key type of the CA, server and client certificates',
      ignoreFocusOut: true,
    });
    if (!keyPick) return undefined;
    const key: KeyChoice = keyPick.choice;

    const daysText = await vscode.window.showInputBox({
      title: stepTitle(3, 'validity'),
      prompt: 'Validity of the server and client certificates, in days (the CA gets 3650)',
      value: String(DEFAULT_VALIDITY_DAYS),
      validateInput: (v) => validityDaysProblem(v),
      ignoreFocusOut: true,
    });
    if (daysText === undefined) return undefined;

    const hostsText = await vscode.window.showInputBox({
      title: stepTitle(4, 'server host names and IP addresses'),
      prompt: 'Names and addresses clients use to reach the server, separated by commas (VERIFY_IDENTITY checks them)',
      value: DEFAULT_SERVER_HOSTS,
      validateInput: hostListProblem,
      ignoreFocusOut: true,
    });
    if (hostsText === undefined) return undefined;
    const hosts = parseHostList(hostsText);

    const defaults = defaultCommonNames(hosts);
    const caCommonName = await vscode.window.showInputBox({
      title: stepTitle(5, 'CA common name'),
      prompt: 'Common name (CN) of the CA certificate',
      value: defaults.ca,
      validateInput: (v) => commonNameProblem(v, {}),
      ignoreFocusOut: true,
    });
    if (caCommonName === undefined) return undefined;
    const serverCommonName = await vscode.window.showInputBox({
      title: stepTitle(5, 'server common name'),
      prompt: 'Common name (CN) of the server certificate; it must differ from the CA CN',
      value: commonNameProblem(defaults.server, { CA: caCommonName }) ? `${defaults.server} server` : defaults.server,
      validateInput: (v) => commonNameProblem(v, { CA: caCommonName }),
      ignoreFocusOut: true,
    });
    if (serverCommonName === undefined) return undefined;
    const clientDefault = commonNameProblem(defaults.client, { CA: caCommonName, server: serverCommonName }) ? `${defaults.client}-2` : defaults.client;
    const clientCommonName = await vscode.window.showInputBox({
      title: stepTitle(5, 'client common name'),
      prompt: 'Common name (CN) of the client certificate (often the MySQL user name); it must differ from the CA and server CNs',
      value: clientDefault,
      validateInput: (v) => commonNameProblem(v, { CA: caCommonName, server: serverCommonName }),
      ignoreFocusOut: true,
    });
    if (clientCommonName === undefined) return undefined;

    const keyPassphrase = await vscode.window.showInputBox({
      title: stepTitle(6, 'client key passphrase (optional)'),
      prompt: 'Encrypts client-key.pem. Leave empty for an unencrypted key. Kept in the secret store with the connection profile, never in settings.',
      password: true,
      ignoreFocusOut: true,
    });
    if (keyPassphrase === undefined) return undefined;

    let pkcs12: { passphrase: string } | undefined;
    if (key.pkcs12) {
      const wantP12 = await vscode.window.showQuickPick(
        [
          { label: 'No PKCS#12 file', want: false },
          { label: 'Also write client.p12', description: 'Client certificate, key and CA in one passphrase-protected file', want: true },
        ],
        { title: stepTitle(7, 'PKCS#12'), ignoreFocusOut: true },
      );
      if (!wantP12) return undefined;
      if (wantP12.want) {
        const p12Passphrase = await vscode.window.showInputBox({
          title: stepTitle(7, 'PKCS#12 passphrase'),
          prompt: keyPassphrase ? 'Passphrase of client.p12 (leave empty to use the client key passphrase)' : 'Passphrase of client.p12 (required)',
          password: true,
          validateInput: (v) => (v === '' && !keyPassphrase ? 'A PKCS#12 file needs a passphrase.' : undefined),
          ignoreFocusOut: true,
        });
        if (p12Passphrase === undefined) return undefined;
        pkcs12 = { passphrase: p12Passphrase || keyPassphrase };
      }
    }

    const files = certificateSetFiles(outputDir, pkcs12 ? 'client.p12' : undefined);
    const clash: string[] = [];
    for (const f of Object.values(files)) if (typeof f === 'string' && (await exists(f))) clash.push(f);
    // Exactly the files the confirmation names may be replaced; one that appears after it is an error.
    let overwrite: string[] = [];
    if (clash.length) {
      const answer = await vscode.window.showWarningMessage(
        `Replace ${clash.length} existing file(s) in ${outputDir}?`,
        {
          modal: true,
          detail: `${clash.map((f) => path.basename(f)).join(', ')} will be replaced (each by a new file: links are not followed). Certificates issued by the old CA stop verifying against the new ca.pem.`,
        },
        'Overwrite',
      );
      if (answer !== 'Overwrite') return undefined;
      overwrite = clash;
    }

    const set = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: stepTitle(8, 'generating keys and certificates…') },
      () =>
        generateCertificateSet({
          outputDir,
          dnsNames: hosts.dnsNames,
          ipAddresses: hosts.ipAddresses,
          caCommonName: caCommonName.trim(),
          serverCommonName: serverCommonName.trim(),
          clientCommonName: clientCommonName.trim(),
          key: key.key,
          validityDays: Number(daysText),
          ...(keyPassphrase ? { clientKeyPassphrase: keyPassphrase } : {}),
          ...(pkcs12 ? { pkcs12 } : {}),
          overwrite,
          profile: { user: clientCommonName.trim() },
        }),
    );
    log.info(`generated a ${key.label} certificate set in ${outputDir} (CA "${caCommonName}", server "${serverCommonName}", client "${clientCommonName}")`);

    const snippet = await vscode.workspace.openTextDocument({
      language: 'ini',
      content: `# ${path.basename(set.files.serverConfig)} (also written to ${set.files.serverConfig})\n# ${set.notes.join('\n# ')}\n${set.serverConfigText}`,
    });
    await vscode.window.showTextDocument(snippet, { preview: false });

    const choice = await vscode.window.showInformationMessage(
      `MySQL TLS: CA, server and client certificates written to ${outputDir} (keys readable by you only). The [mysqld] snippet is open.`,
      'Create Connection Profile',
      'Reveal Folder',
    );
    if (choice === 'Reveal Folder') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(set.files.ca));
    if (choice === 'Create Connection Profile') await createProfile(set, keyPassphrase, pkcs12 !== undefined);
    return set;
  }

  async function createProfile(set: CertificateSet, keyPassphrase: string, hasPkcs12: boolean): Promise<void> {
    const taken = s.settings.current.connections.map((c) => c.name);
    const name = await vscode.window.showInputBox({
      title: 'Create Connection Profile: name',
      value: uniqueName(`${set.profile.host} (generated certificates)`, taken),
      validateInput: (v) => (!v.trim() ? 'Give the connection a name.' : taken.includes(v.trim()) ? 'A connection with this name exists.' : undefined),
      ignoreFocusOut: true,
    });
    if (name === undefined) return;
    const hosts = [...set.certificates.server.subjectAltNames.map((n) => n.replace(/^(DNS|IP Address):/, ''))];
    const host = await vscode.window.showInputBox({
      title: 'Create Connection Profile: host',
      prompt: `Host name or IP address of the server; VERIFY_IDENTITY accepts the names in the certificate: ${hosts.join(', ')}`,
      value: set.profile.host,
      validateInput: (v) =>
        !v.trim()
          ? 'Give the host.'
          : hosts.some((h) => h.toLowerCase() === v.trim().toLowerCase())
            ? undefined
            : `VERIFY_IDENTITY would fail: the certificate names ${hosts.join(', ')}.`,
      ignoreFocusOut: true,
    });
    if (host === undefined) return;
    const portText = await vscode.window.showInputBox({
      title: 'Create Connection Profile: port',
      value: '3306',
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : 'Enter a port from 1 to 65535.'),
      ignoreFocusOut: true,
    });
    if (portText === undefined) return;
    const user = await vscode.window.showInputBox({
      title: 'Create Connection Profile: MySQL user',
      prompt: 'The account that logs in with the client certificate (e.g. one with REQUIRE X509)',
      value: set.profile.user,
      validateInput: (v) => (v.trim() ? undefined : 'Give the user name.'),
      ignoreFocusOut: true,
    });
    if (user === undefined) return;
    const id = newConnectionId();
    const profile = {
      ...profileForGeneratedSet(set, { id, name: name.trim(), port: Number(portText), user: user.trim(), usePkcs12: false }),
      host: host.trim(),
    };
    // Secrets first: a settings entry never points at a passphrase that failed to store.
    if (keyPassphrase)
      await s.gate.save(
        { scope: scopeForNewConnection(s.settings.hasWorkspaceFolder()), id, name: profile.name, profile },
        'passphrase',
        keyPassphrase,
        s.settings.pathContext(),
      );
    const scope = await s.settings.save(profile, undefined);
    log.info(`created connection ${profile.name} (${id}) with the generated client certificate in ${scope} settings`);
    const next = await vscode.window.showInformationMessage(
      `MySQL TLS: connection "${profile.name}" added (${scope} settings, VERIFY_IDENTITY with the client certificate${keyPassphrase ? `; key passphrase in ${s.secrets.description}` : ''}${hasPkcs12 ? '; client.p12 is next to it for other tools' : ''}). Set its password before connecting.`,
      'Set Password',
    );
    if (next) await vscode.commands.executeCommand('mysqlTls.setPassword', id);
  }

  async function importBundle(arg: unknown): Promise<ImportedBundle | undefined> {
    const source = fileOfArgument(arg) ?? (await pickFile('Import CA Bundle: choose the CA file (PEM, DER, PKCS#7 .p7b, PKCS#12)', 'Import'));
    if (!source) return undefined;
    let preview: ImportedBundle | undefined;
    try {
      preview = await withPassphraseWhenNeeded(source, (p) => importCaBundle({ source, ...(p !== undefined ? { passphrase: p } : {}) }));
    } catch (e) {
      showCommandError(`cannot import ${path.basename(source)}`, e);
      return undefined;
    }
    if (!preview) return undefined;

    type Item = vscode.QuickPickItem & { action?: 'import' | 'cancel' };
    const certItems: Item[] = preview.certificates.map((c, i) => {
      const warnings = preview!.warnings.filter((w) => w.certificate === i).map((w) => w.message);
      return {
        label: `${warnings.length ? '$(warning) ' : '$(verified) '}${c.subject}`,
        description: `${c.isCA ? 'CA' : 'not a CA'} · expires ${c.validTo.slice(0, 10)} (${c.daysLeft < 0 ? 'expired' : `${c.daysLeft} days`})`,
        detail: warnings.length ? warnings.join(' ') : `Issuer: ${c.issuer} · SHA-256 ${c.fingerprintSha256.slice(0, 23)}…`,
      };
    });
    const general = preview.warnings.filter((w) => w.certificate === undefined).map((w) => w.message);
    const items: Item[] = [
      {
        label: `Import ${preview.certificates.length} certificate(s)`,
        description: `${preview.format.toUpperCase()} → PEM bundle`,
        ...(general.length ? { detail: general.join(' ') } : {}),
        action: 'import',
      },
      { label: 'Cancel', action: 'cancel' },
      { label: 'Certificates in the file', kind: vscode.QuickPickItemKind.Separator },
      ...certItems,
    ];
    let confirmed = false;
    for (let i = 0; i < 10 && !confirmed; i++) {
      const picked = await vscode.window.showQuickPick(items, {
        title: `Import CA Bundle: ${path.basename(source)}`,
        placeHolder: 'Check the certificates, then import',
        matchOnDescription: true,
        matchOnDetail: true,
        ignoreFocusOut: true,
      });
      if (!picked || picked.action === 'cancel') return undefined;
      confirmed = picked.action === 'import';
    }
    if (!confirmed) return undefined;

    const where = await vscode.window.showQuickPick(
      [
        { label: 'Extension storage', description: 'Kept by VS Code for this extension', target: 'global' as const },
        { label: 'Choose a folder…', description: 'E.g. next to the project, to share it', target: 'folder' as const },
      ],
      { title: 'Import CA Bundle: where to store the PEM bundle', ignoreFocusOut: true },
    );
    if (!where) return undefined;
    const folder =
      where.target === 'global' ? path.join(s.globalStorage.fsPath, 'ca-bundles') : await pickFolder('Import CA Bundle: destination folder', 'Store Here');
    if (!folder) return undefined;
    const destination = path.join(folder, `${path.basename(source).replace(/\.[^.]+$/, '') || 'ca-bundle'}.pem`);
    let overwrite = false;
    if (await exists(destination)) {
      const answer = await vscode.window.showWarningMessage(
        `${path.basename(destination)} already exists in ${folder}. Replace it?`,
        { modal: true },
        'Replace',
      );
      if (answer !== 'Replace') return undefined;
      overwrite = true;
    }
    let written: ImportedBundle;
    try {
      // The bytes the user previewed, not a second read of a file that may have been swapped meanwhile.
      written = await writeImportedBundle(preview, destination, overwrite);
    } catch (e) {
      showCommandError(`cannot import ${path.basename(source)}`, e);
      return undefined;
    }
    log.info(`imported ${written.certificates.length} certificate(s) from ${source} to ${destination}`);
    const attach = await vscode.window.showInformationMessage(
      `MySQL TLS: ${written.certificates.length} CA certificate(s) written to ${destination}.`,
      'Attach to Connection',
      'Open File',
    );
    if (attach === 'Open File') await vscode.window.showTextDocument(vscode.Uri.file(destination));
    if (attach === 'Attach to Connection') await attachCa(destination);
    return written;
  }

  async function attachCa(caFile: string): Promise<void> {
    const { connections } = s.settings.current;
    if (connections.length === 0) {
      void vscode.window.showInformationMessage('MySQL TLS: there are no connections to attach the CA bundle to.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      connections.map((c) => ({
        label: c.name,
        description: `${c.profile.host}:${c.profile.port ?? 3306} · ${c.profile.ssl?.mode ?? 'PREFERRED'}`,
        detail: c.profile.ssl?.ca ? `ssl.ca now: ${c.profile.ssl.ca}` : 'no ssl.ca yet',
        connection: c,
      })),
      { title: 'Attach the CA bundle: set ssl.ca of', ignoreFocusOut: true },
    );
    if (!picked) return;
    const c = picked.connection;
    const ssl = { ...(c.profile.ssl ?? {}), ca: caFile, caSource: 'file' as const };
    await s.settings.save({ ...c.profile, id: c.id, ssl }, c);
    const mode = ssl.mode ?? 'PREFERRED';
    const verifies = mode === 'VERIFY_CA' || mode === 'VERIFY_IDENTITY';
    log.info(`set ssl.ca of ${c.name} (${c.id}) to ${caFile}`);
    void vscode.window.showInformationMessage(
      `MySQL TLS: ssl.ca of "${c.name}" is now ${caFile}.${verifies ? '' : ` Its ssl.mode ${mode} does not verify the server; edit the connection and choose VERIFY_IDENTITY to use it.`}`,
    );
  }

  async function inspect(arg: unknown): Promise<InspectionSummary | undefined> {
    const file = fileOfArgument(arg) ?? (await pickFile('Inspect Certificate or Key File', 'Inspect'));
    if (!file) return undefined;
    let summary: InspectionSummary | undefined;
    try {
      summary = await withPassphraseWhenNeeded(
        file,
        (passphrase) => inspectFile(file, passphrase !== undefined ? { passphrase } : {}),
        (result) => result.keys.some((k) => k.encrypted && !k.readable),
      );
    } catch (e) {
      showCommandError(`cannot inspect ${path.basename(file)}`, e);
      return undefined;
    }
    if (!summary) return undefined;
    await s.reports.show(`Certificate ${path.basename(file)}`, renderInspection(summary));
    return summary;
  }

  return {
    'mysqlTls.generateCertificates': () => generate(),
    'mysqlTls.importCaBundle': (arg) => importBundle(arg),
    'mysqlTls.inspectCertificate': (arg) => inspect(arg),
  };
}
