import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/connections/connectionRegistry';
import { isMysqlTlsError, type MysqlTlsError } from '../core/errors';
import { writeFileAtomic } from '../core/files/atomicWrite';
import type { Logger } from '../core/logging/logger';
import { DEFAULT_PORT } from '../core/profile';
import type { PresentedCertificateAction } from '../core/presentation/presentedCertificateHtml';
import type { SecretGate } from '../core/secrets/connectionVault';
import type { ConfiguredConnection } from '../core/settings/connectionSettings';
import {
  explainsWithPresentedCertificate,
  inspectPresentedCertificate,
  SECOND_HANDSHAKE_NOTE,
  type PresentedChainAnalysis,
} from '../core/tls/presentedCertificate';
import { connectionIdOfArgument, type DiagnosticCommandId } from './commandIds';
import type { ConnectionSettings } from './connectionSettings';
import type { PresentedCertificatePanels } from './webviews/presentedCertificatePanel';

/**
 * Failure diagnostics: after a failed certificate check, "Show Server Certificate…" fetches what the server
 * presents (a second handshake that sends no credentials and verifies nothing) and shows it; "Trust this CA…"
 * saves a CA the server sent, after a modal with its fingerprint, and points ssl.ca of that connection at it in
 * the scope the connection comes from (a workspace connection never writes the user settings).
 */
export interface DiagnosticServices {
  settings: ConnectionSettings;
  registry: ConnectionRegistry;
  panels: PresentedCertificatePanels;
  logger: Logger;
  gate?: SecretGate;
}

// The last failure of each connection as the notification showed it (a test that failed while the connection
// was open does not change the registry's status).
const recentFailures = new Map<string, MysqlTlsError>();

export function noteFailure(connectionId: string, error: MysqlTlsError): void {
  recentFailures.set(connectionId, error);
}

/** A file name from a host name: letters, digits, dots and dashes only (the host comes from settings). */
export function caFileNameFor(host: string): string {
  const safe = host
    .replace(/[^A-Za-z0-9.-]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 64);
  return `${safe || 'server'}-ca.pem`;
}

export function createDiagnosticCommands(s: DiagnosticServices): Record<DiagnosticCommandId, (...args: unknown[]) => unknown> {
  const log = s.logger.child('diagnostics');

  function failureOf(connectionId: string): MysqlTlsError | undefined {
    const status = s.registry.status(connectionId).error;
    const noted = recentFailures.get(connectionId);
    return [noted, status].find((e) => e !== undefined && explainsWithPresentedCertificate(e.code));
  }

  async function fetchAndShow(connection: ConfiguredConnection, failure: MysqlTlsError): Promise<PresentedChainAnalysis | undefined> {
    const where = `${connection.profile.host}:${connection.profile.port ?? DEFAULT_PORT}`;
    let analysis: PresentedChainAnalysis | undefined;
    let fetchError: string | undefined;
    try {
      analysis = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Fetching the certificate ${where} presents (a second handshake: no credentials, nothing verified)…`,
          cancellable: true,
        },
        async (_progress, token) => {
          const controller = new AbortController();
          const subscription = token.onCancellationRequested(() => controller.abort());
          try {
            return await inspectPresentedCertificate(connection.profile, { paths: s.settings.pathContext(), signal: controller.signal });
          } finally {
            subscription.dispose();
          }
        },
      );
      log.info(`fetched the certificate ${where} presents (${SECOND_HANDSHAKE_NOTE}): ${analysis.relation.kind}, names host: ${analysis.namesHost}`);
    } catch (e) {
      if (isMysqlTlsError(e) && e.code === 'cancelled') return undefined;
      fetchError = isMysqlTlsError(e) ? `${e.title}: ${e.detail}` : e instanceof Error ? e.message : String(e);
      log.warn(`the certificate of ${where} could not be fetched: ${fetchError}`);
    }
    s.panels.show(connection.id, {
      connectionName: connection.name,
      failure: { title: failure.title, detail: failure.detail },
      analysis,
      fetchError,
      scope: connection.scope,
    });
    return analysis;
  }

  async function trustCa(connection: ConfiguredConnection, analysis: PresentedChainAnalysis): Promise<boolean> {
    const ca = analysis.trustableCa;
    if (!ca) return false;
    const port = connection.profile.port ?? DEFAULT_PORT;
    if (analysis.host !== connection.profile.host || analysis.port !== port) {
      void vscode.window.showWarningMessage(
        `MySQL TLS: the host or port of "${connection.name}" changed since the certificate was fetched; fetch it again first.`,
      );
      return false;
    }
    const where = connection.scope === 'user' ? 'user settings' : 'workspace settings';
    const trust = 'Trust and Save…';
    const answer = await vscode.window.showWarningMessage(
      `Trust this CA for "${connection.name}"?`,
      {
        modal: true,
        detail: [
          `Subject: ${ca.subject}`,
          `SHA-256 fingerprint: ${ca.fingerprintSha256}`,
          `Valid until: ${ca.validTo}`,
          '',
          `${analysis.host}:${analysis.port} sent this CA during a handshake that verified nothing: anyone on the path could have sent it. Compare the fingerprint with one from the server's administrator (openssl x509 -noout -fingerprint -sha256 -in ca.pem) before trusting it.`,
          '',
          `Next you choose where to save it; then ssl.ca of "${connection.name}" is set to that file in the ${where}. Nothing else changes.`,
        ].join('\n'),
      },
      trust,
    );
    if (answer !== trust) {
      log.info(`Trust this CA for ${connection.name}: declined; nothing written`);
      return false;
    }
    const folder = connection.scope === 'user' ? os.homedir() : (s.settings.pathContext().workspaceFolder ?? os.homedir());
    const target = await vscode.window.showSaveDialog({
      title: `Save the CA of ${analysis.host} (ssl.ca of "${connection.name}")`,
      defaultUri: vscode.Uri.file(path.join(folder, caFileNameFor(analysis.host))),
      filters: { 'PEM certificate': ['pem', 'crt'] },
      saveLabel: 'Save CA',
    });
    if (!target) {
      log.info(`Trust this CA for ${connection.name}: no file chosen; nothing written`);
      return false;
    }
    const file = target.fsPath;
    // The save dialog already asked before replacing a file; writeFileAtomic still refuses links and others' files.
    await writeFileAtomic(file, ca.pem.endsWith('\n') ? ca.pem : `${ca.pem}\n`, { mode: 0o644, overwrite: existsSync(file), field: 'ssl.ca' });
    const latest = s.settings.find(connection.id) ?? connection;
    const ssl = { ...latest.profile.ssl, ca: file };
    if (ssl.caSource === 'system') delete ssl.caSource;
    const profile = { ...latest.profile, ssl };
    await s.gate?.rebind({ ...latest, profile }, s.settings.pathContext());
    // Written where the connection lives: its own scope, never another one.
    const scope = await s.settings.save(profile, { scope: latest.scope, index: latest.index, id: latest.id });
    recentFailures.delete(connection.id);
    log.info(`Trust this CA for ${connection.name}: saved ${ca.fingerprintSha256} to ${file}; ssl.ca set in the ${scope} settings`);
    void vscode.window
      .showInformationMessage(`MySQL TLS: "${connection.name}" now trusts ${file} (ssl.ca, ${scope} settings).`, 'Test Connection')
      .then((choice) => choice && vscode.commands.executeCommand('mysqlTls.testConnection', connection.id));
    return true;
  }

  async function connectionFor(arg: unknown): Promise<ConfiguredConnection | undefined> {
    const id = connectionIdOfArgument(arg);
    const connection = id === undefined ? undefined : s.settings.find(id);
    if (!connection) {
      void vscode.window.showErrorMessage(`MySQL TLS: there is no connection with id "${id ?? ''}".`);
      return undefined;
    }
    if (connection.restricted) {
      void vscode.window.showWarningMessage(`MySQL TLS: "${connection.name}" comes from an untrusted workspace; it neither connects nor fetches certificates.`);
      return undefined;
    }
    return connection;
  }

  return {
    'mysqlTls.showPresentedCertificate': async (arg) => {
      const connection = await connectionFor(arg);
      if (!connection) return undefined;
      // Only after a failed certificate check: the extra handshake is an answer to a failure, never a probe.
      const failure = failureOf(connection.id);
      if (!failure) {
        void vscode.window.showInformationMessage(
          `MySQL TLS: the server certificate of "${connection.name}" is fetched only after a failed certificate check (connect or test it first).`,
        );
        return undefined;
      }
      return fetchAndShow(connection, failure);
    },

    'mysqlTls.trustPresentedCa': async (arg) => {
      const connection = await connectionFor(arg);
      if (!connection) return false;
      const analysis = s.panels.analysisOf(connection.id);
      if (!analysis?.trustableCa) {
        void vscode.window.showInformationMessage(
          `MySQL TLS: "${connection.name}" has no CA from its server to trust; use Show Server Certificate after a failed check.`,
        );
        return false;
      }
      return trustCa(connection, analysis);
    },
  };
}

/** The panel's buttons: each runs the command that does it. */
export function presentedCertificateAction(
  s: Pick<DiagnosticServices, 'panels' | 'settings' | 'registry'>,
  action: PresentedCertificateAction,
  connectionId: string,
): Thenable<unknown> {
  const analysis = s.panels.analysisOf(connectionId);
  switch (action) {
    case 'trustCa':
      return vscode.commands.executeCommand('mysqlTls.trustPresentedCa', connectionId);
    case 'importCa':
      return vscode.commands.executeCommand('mysqlTls.importCaBundle');
    case 'generateCertificates':
      return vscode.commands.executeCommand('mysqlTls.generateCertificates');
    case 'editConnection':
      return vscode.commands.executeCommand('mysqlTls.editConnection', connectionId, { field: analysis && !analysis.namesHost ? 'host' : 'ssl.ca' });
    case 'refetch':
      return vscode.commands.executeCommand('mysqlTls.showPresentedCertificate', connectionId);
  }
}
