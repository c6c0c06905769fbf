import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../../core/connections/connectionRegistry';
import {
  applyAccountTls,
  buildRequireStatement,
  verifyAccountTls,
  type AccountTlsState,
  type TlsRequirement,
  type VerifyResult,
} from '../../core/server/accountTls';
import {
  accountLabel,
  certificateNamesOfFile,
  checkPlaintextLogin,
  listAccountTls,
  requirementDescription,
  type PlaintextCheck,
} from '../../core/server/accountTlsChoices';
import { auditServerTls, renderAuditMarkdown, requirementLabel, type ServerTlsAudit } from '../../core/server/audit';
import { SQL } from '../../core/server/serverSql';
import { isMysqlTlsError } from '../../core/errors';
import { escapeMarkdown, markdownCodeBlock } from '../../core/presentation/escape';
import type { Logger } from '../../core/logging/logger';
import type { ConfiguredConnection } from '../../core/settings/connectionSettings';
import type { CertificateCommandId } from '../commandIds';
import type { ConnectionSettings } from '../connectionSettings';
import type { ReportViewer } from '../reports/reportViewer';
import type { SecretGate } from '../../core/secrets/connectionVault';
import { pickConnectedConnection, showCommandError } from './connectedConnection';

export interface ServerTlsCommandServices {
  settings: ConnectionSettings;
  registry: ConnectionRegistry;
  /** The key passphrase of the connection whose client certificate is used, released like any secret. */
  gate: SecretGate;
  reports: ReportViewer;
  logger: Logger;
}

type Handler = (...args: unknown[]) => unknown;

const REQUIREMENT_CHOICES = [
  { label: 'NONE', description: 'No TLS requirement (plaintext logins allowed unless require_secure_transport is ON)', type: 'NONE' as const },
  { label: 'SSL', description: 'Must log in over TLS', type: 'SSL' as const },
  { label: 'X509', description: 'Must log in over TLS with a client certificate from a CA the server trusts', type: 'X509' as const },
  { label: 'ISSUER + SUBJECT', description: 'Must present a client certificate with this exact issuer and subject', type: 'SPECIFIED' as const },
];

export interface RequireTlsOutcome {
  sql: string;
  before: AccountTlsState;
  after: AccountTlsState;
  plaintext?: PlaintextCheck;
  verification?: VerifyResult;
  /** The connection whose TLS settings (CA, client certificate) the TLS login attempts used. */
  tlsSettingsFrom?: string;
}

/**
 * The markdown of the follow-up check, shown in the report viewer. Names, hosts and the server's error
 * texts are escaped (escapeMarkdown); the statement sits in a fence longer than any backtick run in it.
 */
function verificationMarkdown(connection: ConfiguredConnection, account: string, outcome: RequireTlsOutcome): string {
  const out = [
    `# Require TLS for ${escapeMarkdown(account)}`,
    '',
    `Server: ${escapeMarkdown(`${connection.name} (${connection.profile.host}:${connection.profile.port ?? 3306})`)}`,
    '',
    markdownCodeBlock(`${outcome.sql};`, 'sql'),
    '',
  ];
  out.push(
    `- Before: ${escapeMarkdown(requirementDescription(outcome.before.requirement))}`,
    `- After: ${escapeMarkdown(requirementDescription(outcome.after.requirement))}`,
    '',
  );
  if (outcome.verification) {
    out.push('## Login checks', '', '| Attempt | Expected | Outcome | Detail |', '|---|---|---|---|');
    const req = outcome.verification.requirement;
    if (req)
      out.push(
        `| grant tables | REQUIRE ${escapeMarkdown(requirementLabel(req.expected))} | ${req.ok ? 'OK' : 'FAILED'}: ${req.actual ? `REQUIRE ${escapeMarkdown(requirementLabel(req.actual))}` : 'not read'} | ${escapeMarkdown(req.detail)} |`,
      );
    for (const a of outcome.verification.attempts)
      out.push(
        `| ${escapeMarkdown(a.name === 'plaintext' ? 'plaintext (throwaway password)' : a.name)} | ${escapeMarkdown(a.expected)} | ${a.ok ? 'OK' : 'FAILED'}: ${escapeMarkdown(a.outcome)} | ${escapeMarkdown(a.detail ?? '')} |`,
      );
    out.push('', outcome.verification.ok ? 'Every check passed.' : 'At least one check did not give the expected result.');
    if (outcome.tlsSettingsFrom)
      out.push('', `The TLS attempts used the TLS settings (CA, client certificate) of the connection "${escapeMarkdown(outcome.tlsSettingsFrom)}".`);
  } else if (outcome.plaintext) {
    out.push('## Plaintext login check', '', escapeMarkdown(outcome.plaintext.detail));
  } else out.push('The follow-up login check was skipped.');
  return out.join('\n') + '\n';
}

/** The server commands (audit, per-account TLS requirement), keyed by id. */
export function createServerTlsCommands(
  s: ServerTlsCommandServices,
): Record<Extract<CertificateCommandId, 'mysqlTls.auditServer' | 'mysqlTls.requireTlsForAccount'>, Handler> {
  const log = s.logger.child('server');

  async function audit(arg: unknown): Promise<ServerTlsAudit | undefined> {
    const target = await pickConnectedConnection(s.settings, s.registry, arg, 'Connection whose server to audit');
    if (!target) return undefined;
    const { connection, session } = target;
    let result: ServerTlsAudit;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Auditing the TLS setup of ${connection.name}…` },
        () => auditServerTls(session),
      );
    } catch (e) {
      showCommandError(`the audit of ${connection.name} failed`, e);
      return undefined;
    }
    const counts = (['critical', 'warning'] as const).map((sev) => `${result.findings.filter((f) => f.severity === sev).length} ${sev}`).join(', ');
    log.info(`audited ${connection.name}: ${result.findings.length} finding(s), ${counts}`);
    await s.reports.show(`Server TLS audit ${connection.name}`, renderAuditMarkdown(result, `Server TLS audit: ${connection.name}`));
    return result;
  }

  async function requirementInput(): Promise<TlsRequirement | undefined> {
    const picked = await vscode.window.showQuickPick(REQUIREMENT_CHOICES, { title: 'Require TLS for Account: requirement', ignoreFocusOut: true });
    if (!picked) return undefined;
    if (picked.type !== 'SPECIFIED') return { type: picked.type };
    let prefill: { issuer: string; subject: string } = { issuer: '', subject: '' };
    const from = await vscode.window.showQuickPick(
      [
        { label: 'From a client certificate file…', description: 'Reads its issuer and subject', fromFile: true },
        { label: 'Type them', fromFile: false },
      ],
      { title: 'Require TLS for Account: issuer and subject', ignoreFocusOut: true },
    );
    if (!from) return undefined;
    if (from.fromFile) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Client certificate whose issuer and subject the account requires',
        canSelectFiles: true,
        canSelectMany: false,
        openLabel: 'Use This Certificate',
        filters: { Certificates: ['pem', 'crt', 'cer', 'der', 'p12', 'pfx'], 'All files': ['*'] },
      });
      const file = picked?.[0]?.fsPath;
      if (!file) return undefined;
      try {
        let names;
        try {
          names = await certificateNamesOfFile(file);
        } catch (e) {
          if (!isMysqlTlsError(e) || e.code !== 'key-needs-passphrase') throw e;
          const passphrase = await vscode.window.showInputBox({
            title: `Passphrase for ${path.basename(file)}`,
            prompt: 'Used once to read the certificate; not stored.',
            password: true,
            ignoreFocusOut: true,
          });
          if (passphrase === undefined) return undefined;
          names = await certificateNamesOfFile(file, passphrase);
        }
        prefill = { issuer: names.issuer, subject: names.subject };
      } catch (e) {
        showCommandError(`cannot read ${path.basename(file)}`, e);
        return undefined;
      }
    }
    const oneLine = (v: string): string | undefined => (v === '' || v.startsWith('/') ? undefined : 'Use OpenSSL one-line form, e.g. /O=Example/CN=app.');
    const issuer = await vscode.window.showInputBox({
      title: 'Require TLS for Account: ISSUER',
      prompt: 'Issuer the client certificate must have (empty: any issuer the server trusts)',
      value: prefill.issuer,
      validateInput: oneLine,
      ignoreFocusOut: true,
    });
    if (issuer === undefined) return undefined;
    const subject = await vscode.window.showInputBox({
      title: 'Require TLS for Account: SUBJECT',
      prompt: 'Exact subject of the client certificate',
      value: prefill.subject,
      validateInput: (v) => oneLine(v) ?? (v === '' && issuer === '' ? 'Give an issuer or a subject (or choose X509).' : undefined),
      ignoreFocusOut: true,
    });
    if (subject === undefined) return undefined;
    return { type: 'SPECIFIED', ...(issuer ? { issuer } : {}), ...(subject ? { subject } : {}) };
  }

  async function requireTls(arg: unknown): Promise<RequireTlsOutcome | undefined> {
    const target = await pickConnectedConnection(s.settings, s.registry, arg, 'Connection (as an administrator) to change an account on');
    if (!target) return undefined;
    const { connection, session } = target;
    let accounts: AccountTlsState[];
    try {
      accounts = await listAccountTls(session);
    } catch (e) {
      showCommandError(`cannot list the accounts of ${connection.name}`, e);
      return undefined;
    }
    const accountPick = await vscode.window.showQuickPick(
      accounts.map((a) => ({
        label: accountLabel(a),
        description: requirementDescription(a.requirement),
        detail: a.locked ? 'locked' : undefined,
        account: a,
      })),
      {
        title: `Require TLS for Account on ${connection.name}: account`,
        placeHolder: 'user@host (current requirement shown)',
        matchOnDescription: true,
        ignoreFocusOut: true,
      },
    );
    if (!accountPick) return undefined;
    const account = accountPick.account;
    const requirement = await requirementInput();
    if (!requirement) return undefined;

    const { rows } = await session.query<{ sql_mode: string }[]>(SQL.sqlMode);
    const statement = buildRequireStatement(account, requirement, { noBackslashEscapes: /NO_BACKSLASH_ESCAPES/.test(rows[0]?.sql_mode ?? '') });
    const confirm = await vscode.window.showWarningMessage(`Run this statement on ${connection.name}?`, { modal: true, detail: statement.preview }, 'Run');
    if (confirm !== 'Run') return undefined;

    let applied;
    try {
      applied = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `ALTER USER ${accountLabel(account)}…` }, () =>
        applyAccountTls(session, account, requirement),
      );
    } catch (e) {
      showCommandError(`ALTER USER ${accountLabel(account)} failed`, e);
      return undefined;
    }
    log.info(`ran on ${connection.name}: ${applied.statement.sql}`);
    const outcome: RequireTlsOutcome = { sql: applied.statement.sql, before: applied.before, after: applied.after };

    const password = await vscode.window.showInputBox({
      title: `Check ${accountLabel(account)}: password`,
      prompt: `Password of ${accountLabel(account)}, for a login check over TLS (never sent without TLS; plaintext is checked with a throwaway password). Used once, not stored. Esc skips the check.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (password !== undefined) {
      const host = connection.profile.host;
      const port = connection.profile.port ?? 3306;
      const paths = s.settings.pathContext();
      // The TLS attempts use a configured connection of this account that has a client certificate, when
      // there is one (its CA, mode and key passphrase too); else the connection the command runs on.
      const hasClientCertificate = (c: ConfiguredConnection): boolean => Boolean(c.profile.ssl?.pfx || (c.profile.ssl?.cert && c.profile.ssl?.key));
      const sameAccount = s.settings.current.connections.find((c) => c.profile.user === account.user && hasClientCertificate(c));
      const tlsSource = sameAccount ?? connection;
      const ssl = tlsSource.profile.ssl ?? {};
      outcome.tlsSettingsFrom = tlsSource.name;
      const clientCertificate = ssl.pfx ? { pfx: ssl.pfx } : ssl.cert && ssl.key ? { cert: ssl.cert, key: ssl.key } : undefined;
      const needsCert = requirement.type === 'X509' || requirement.type === 'SPECIFIED';
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking logins of ${accountLabel(account)}…` }, async () => {
        if (needsCert && !clientCertificate) {
          // No client certificate at hand for the TLS attempts: check what the command promises, the plaintext refusal.
          outcome.plaintext = await checkPlaintextLogin({ host, port, user: account.user, grants: { runner: session, accountHost: account.host }, paths });
        } else {
          const secrets = await s.gate.secretsFor(tlsSource, paths, 'use');
          const mode = ssl.mode === 'VERIFY_CA' || ssl.mode === 'VERIFY_IDENTITY' ? ssl.mode : 'REQUIRED';
          outcome.verification = await verifyAccountTls({
            host,
            port,
            user: account.user,
            password,
            requirement,
            grants: { runner: session, accountHost: account.host },
            ssl: { ...ssl, mode },
            ...(clientCertificate ? { clientCertificate } : {}),
            ...(secrets.passphrase ? { passphrase: secrets.passphrase } : {}),
            paths,
          });
        }
      });
    }
    await s.reports.show(
      `Require TLS ${account.user} at ${account.host === '%' ? 'any host' : account.host}`,
      verificationMarkdown(connection, accountLabel(account), outcome),
    );
    let summary: string;
    let ok: boolean;
    if (outcome.verification) {
      ok = outcome.verification.ok;
      summary = ok
        ? `checked: ${requirement.type === 'NONE' ? 'REQUIRE NONE in the grant tables' : 'plaintext login refused'}, TLS login works.`
        : `check FAILED: ${outcome.verification.attempts
            .filter((a) => !a.ok)
            .map((a) => `${a.name} ${a.outcome} (expected ${a.expected})`)
            .join('; ')}.`;
    } else if (outcome.plaintext) {
      ok = outcome.plaintext.outcome === 'refused';
      summary = outcome.plaintext.outcome === 'refused' ? 'checked: plaintext login refused.' : `check: ${outcome.plaintext.detail}`;
    } else {
      ok = true;
      summary = 'login check skipped.';
    }
    const message = `MySQL TLS: ${accountLabel(account)} now has ${requirementDescription(applied.after.requirement)}; ${summary}`;
    void (ok ? vscode.window.showInformationMessage(message) : vscode.window.showWarningMessage(message));
    return outcome;
  }

  return {
    'mysqlTls.auditServer': (arg) => audit(arg),
    'mysqlTls.requireTlsForAccount': (arg) => requireTls(arg),
  };
}
