import { sshTestStep } from '../core/presentation/sshRoute';
import * as vscode from 'vscode';
import { isTokenAuth } from '../core/cloudAuth/authSettings';
import { loginText } from '../core/presentation/loginPresentation';
import type { ConnectionRegistry, ConnectionStatus } from '../core/connections/connectionRegistry';
import { isMysqlTlsError, MysqlTlsError } from '../core/errors';
import type { Logger } from '../core/logging/logger';
import { CLIENT_FLAVOURS, mysqlCommandLine, type ClientFlavour } from '../core/presentation/mysqlCommandLine';
import type { SecretGate } from '../core/secrets/connectionVault';
import type { SecretKind } from '../core/secrets/secretStore';
import { newConnectionId, scopeForNewConnection, type ConfiguredConnection } from '../core/settings/connectionSettings';
import { formatReport, SECURITY_LABELS } from '../core/tls/formatReport';
import type { ActiveConnection } from './activeConnection';
import {
  connectionIdOfArgument,
  type CertificateCommandId,
  type CommandId,
  type DiagnosticCommandId,
  type ProxysqlCommandId,
  type QueryCommandId,
} from './commandIds';
import { runConnectionWizard, type WizardOptions } from './connectionWizard';
import type { ConnectionSettings } from './connectionSettings';
import { noteFailure } from './diagnostics';
import { fixCommandArgs } from '../core/fixActions';
import type { ConfiguredSecretStore } from './secrets';
import type { ConnectionsTreeProvider } from './tree/connectionsTreeProvider';
import type { TlsDetailsPanels } from './webviews/tlsDetailsPanel';
import type { ConnectionEditorPanels } from './webviews/connectionEditorPanel';

/** A connect still running after this long gets a notification with Cancel (the view's progress bar shows it from the start). */
const SLOW_CONNECT_NOTIFICATION_MS = 1000;

export interface CommandServices {
  /** The CA step of Add/Edit Connection offers cloud presets through this (see proxysql/commands.ts). */
  chooseCloudPreset?: WizardOptions['chooseCloudPreset'];
  settings: ConnectionSettings;
  registry: ConnectionRegistry;
  secrets: ConfiguredSecretStore;
  /** Every secret read for a connect and every secret write goes through the gate (bound to its endpoint). */
  gate: SecretGate;
  active: ActiveConnection;
  tree: ConnectionsTreeProvider;
  details: TlsDetailsPanels;
  /** Edit Connection's form (without it, Edit runs the step-by-step flow). */
  editor?: ConnectionEditorPanels;
  logger: Logger;
  showLog(): void;
}

export type CommandHandler = (...args: unknown[]) => unknown;

/**
 * The error notification of a failed connect/test: `${title}: ${detail}` and the fix in words, with a button that
 * runs the command that fixes it (its label says what it does, e.g. "Set Password…") and Details.
 */
async function showConnectError(s: CommandServices, connection: ConfiguredConnection, error: MysqlTlsError): Promise<void> {
  noteFailure(connection.id, error);
  const action = error.fixAction;
  const items = action ? [action.label, 'Details'] : ['Details'];
  const choice = await vscode.window.showErrorMessage(`${error.title}: ${error.detail.replace(/\.$/, '')}. Fix: ${error.fix}`, ...items);
  if (action && choice === action.label) await vscode.commands.executeCommand(action.command, ...fixCommandArgs(action, connection.id));
  else if (choice === 'Details') s.details.show(connection.id);
}

function describeResult(status: Pick<ConnectionStatus, 'report'>): string {
  const r = status.report;
  if (!r) return '';
  return r.encrypted ? `${r.protocol} ${r.cipher?.name ?? ''}, ${SECURITY_LABELS[r.security]}` : SECURITY_LABELS[r.security];
}

/** Every command, keyed by id. The type makes the table cover exactly the ids package.json declares. */
export function createCommandTable(
  s: CommandServices,
): Record<Exclude<CommandId, CertificateCommandId | QueryCommandId | ProxysqlCommandId | DiagnosticCommandId>, CommandHandler> {
  const log = s.logger.child('commands');

  async function pickConnection(arg: unknown, placeHolder: string): Promise<ConfiguredConnection | undefined> {
    const id = connectionIdOfArgument(arg);
    if (id !== undefined) {
      const found = s.settings.find(id);
      if (!found) void vscode.window.showErrorMessage(`MySQL TLS: there is no connection with id "${id}".`);
      return found;
    }
    const { connections } = s.settings.current;
    if (connections.length === 0) {
      const add = await vscode.window.showInformationMessage('MySQL TLS: there are no connections yet.', 'Add Connection');
      if (add) await vscode.commands.executeCommand('mysqlTls.addConnection');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      connections.map((c) => ({
        label: c.name,
        description: `${c.profile.host}:${c.profile.port ?? 3306} · ${c.profile.ssl?.mode ?? 'PREFERRED'}`,
        detail: s.registry.status(c.id).state,
        connection: c,
      })),
      { placeHolder },
    );
    return picked?.connection;
  }

  /** Secrets are keyed by id: an entry written by hand without one gets its derived id persisted first. */
  async function storeSecret(connection: ConfiguredConnection, kind: SecretKind, value: string): Promise<void> {
    await s.settings.persistId(connection);
    await s.gate.save(connection, kind, value, s.settings.pathContext());
    log.info(`stored the ${kind} of ${connection.name} in ${s.secrets.description}`);
  }

  async function connect(arg: unknown): Promise<ConnectionStatus | undefined> {
    const connection = await pickConnection(arg, 'Connection to open');
    if (!connection) return undefined;
    // The status bar keeps following the selected connection: this attempt shows on its own tree node.
    // The view's progress bar shows the attempt at once; a cancellable notification only when it is slow (a toast
    // for every 10 ms connect would flash, and the tree's own spinner waits too: src/core/presentation/treeRefresh.ts).
    const controller = new AbortController();
    const attempt = s.registry.connect(connection.profile, controller.signal);
    const settled = attempt.then(
      () => undefined,
      () => undefined,
    );
    void vscode.window.withProgress({ location: { viewId: 'mysqlTls.connections' } }, () => settled);
    const slow = setTimeout(
      () =>
        void vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Connecting to ${connection.name}…`, cancellable: true },
          async (_progress, token) => {
            const subscription = token.onCancellationRequested(() => controller.abort());
            await settled;
            subscription.dispose();
          },
        ),
      SLOW_CONNECT_NOTIFICATION_MS,
    );
    try {
      return await attempt;
    } catch (e) {
      const error = isMysqlTlsError(e) ? e : new MysqlTlsError('unknown', e instanceof Error ? e.message : String(e));
      if (error.code !== 'cancelled') void showConnectError(s, connection, error);
      return undefined;
    } finally {
      clearTimeout(slow);
    }
  }

  async function addOrEdit(existing: ConfiguredConnection | undefined): Promise<void> {
    const others = s.settings.current.connections.filter((c) => c.id !== existing?.id).map((c) => c.name);
    const hasStoredPassword = existing ? await s.gate.vault.has(existing, 'password') : false;
    // ${env:NAME} only for a connection written to the user settings (a workspace must not read the environment).
    const targetScope = existing?.scope ?? scopeForNewConnection(s.settings.hasWorkspaceFolder());
    const result = await runConnectionWizard({
      title: existing ? `Edit Connection: ${existing.name}` : 'Add Connection',
      initial: existing?.profile,
      otherNames: others,
      paths: { ...s.settings.pathContext(), allowEnv: targetScope === 'user' },
      hasStoredPassword,
      chooseCloudPreset: s.chooseCloudPreset,
    });
    if (!result) {
      log.info(`${existing ? 'edit' : 'add'} connection cancelled; nothing written`);
      return;
    }
    const id = existing?.id ?? newConnectionId();
    const profile = { ...result.profile, id };
    // Secrets first: a settings entry must never exist for a password that failed to store. They are bound to
    // the endpoint the user just confirmed in the wizard, and so are the ones kept from before the edit.
    const target = { scope: existing?.scope ?? scopeForNewConnection(s.settings.hasWorkspaceFolder()), id, name: profile.name ?? id, profile };
    const paths = s.settings.pathContext();
    if (existing) await s.gate.rebind(target, paths);
    if (result.password !== undefined) await s.gate.save(target, 'password', result.password, paths);
    if (result.passphrase !== undefined) await s.gate.save(target, 'passphrase', result.passphrase, paths);
    const scope = await s.settings.save(profile, existing);
    const wasConnected = existing && s.registry.status(id).state === 'connected';
    if (wasConnected) await s.registry.disconnect(id);
    s.tree.refresh();
    log.info(`${existing ? 'updated' : 'added'} connection ${profile.name} (${id}) in ${scope} settings`);
    const message = `MySQL TLS: connection "${profile.name}" ${existing ? 'updated' : 'added'} (${scope} settings; ${isTokenAuth(profile.auth) ? 'a cloud token is fetched at each login, no password is stored' : `password in ${s.secrets.description}`}).${wasConnected ? ' Reconnect to apply.' : ''}`;
    if (existing) {
      void vscode.window.showInformationMessage(message);
      return;
    }
    // The next step is one click away: connect, or test first.
    void vscode.window.showInformationMessage(message, 'Connect', 'Test Connection').then((choice) => {
      if (choice === 'Connect') void vscode.commands.executeCommand('mysqlTls.connect', id);
      else if (choice === 'Test Connection') void vscode.commands.executeCommand('mysqlTls.testConnection', id);
    });
  }

  return {
    'mysqlTls.addConnection': () => addOrEdit(undefined),

    'mysqlTls.editConnection': async (arg, at) => {
      const connection = await pickConnection(arg, 'Connection to edit');
      if (!connection) return;
      // A fix's "Edit Connection…" passes { field } (src/core/fixActions.ts): the form opens at that setting.
      const field =
        typeof at === 'object' && at !== null && typeof (at as { field?: unknown }).field === 'string' ? (at as { field: string }).field : undefined;
      if (s.editor) s.editor.open(connection, field);
      else await addOrEdit(connection);
    },

    'mysqlTls.duplicateConnection': async (arg) => {
      const connection = await pickConnection(arg, 'Connection to duplicate');
      if (!connection) return;
      const taken = new Set(s.settings.current.connections.map((c) => c.name));
      let name = `${connection.name} (copy)`;
      for (let i = 2; taken.has(name); i++) name = `${connection.name} (copy ${i})`;
      const id = newConnectionId();
      const copy = { ...connection.profile, id, name };
      const scope = scopeForNewConnection(s.settings.hasWorkspaceFolder());
      // The copy's secrets are its own, bound to the copy (same endpoint, the scope it is written to).
      await s.gate.copy(connection, { scope, id, name, profile: copy }, s.settings.pathContext());
      await s.settings.save(copy, undefined);
      s.tree.refresh();
      void vscode.window.showInformationMessage(`MySQL TLS: connection "${name}" added as a copy of "${connection.name}".`);
    },

    'mysqlTls.removeConnection': async (arg) => {
      const connection = await pickConnection(arg, 'Connection to remove');
      if (!connection) return;
      const confirm = await vscode.window.showWarningMessage(
        `Remove connection "${connection.name}"?`,
        { modal: true, detail: `Its settings entry and the password/passphrase stored in ${s.secrets.description} are deleted.` },
        'Remove',
      );
      if (confirm !== 'Remove') return;
      await s.registry.forget(connection.id);
      await s.settings.remove(connection);
      await s.gate.vault.remove(connection);
      s.tree.refresh();
      log.info(`removed connection ${connection.name} (${connection.id}) and its secrets`);
      void vscode.window.showInformationMessage(`MySQL TLS: connection "${connection.name}" removed.`);
    },

    'mysqlTls.connect': (arg) => connect(arg),

    'mysqlTls.disconnect': async (arg) => {
      const id = connectionIdOfArgument(arg);
      const connection = id
        ? s.settings.find(id)
        : await (async () => {
            const open = s.settings.current.connections.filter((c) => ['connected', 'connecting'].includes(s.registry.status(c.id).state));
            if (open.length === 1) return open[0];
            return pickConnection(undefined, 'Connection to close');
          })();
      if (!connection) return;
      await s.registry.disconnect(connection.id);
    },

    'mysqlTls.testConnection': async (arg) => {
      const connection = await pickConnection(arg, 'Connection to test');
      if (!connection) return;
      const outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Testing ${connection.name}…`, cancellable: true },
        async (_progress, token) => {
          const controller = new AbortController();
          const subscription = token.onCancellationRequested(() => controller.abort());
          try {
            return await s.registry.test(connection.profile, controller.signal);
          } finally {
            subscription.dispose();
          }
        },
      );
      if (outcome.ok) {
        const sshStep = sshTestStep(connection.profile.ssh, outcome);
        const choice = await vscode.window.showInformationMessage(
          `${connection.name}: ${sshStep ? `${sshStep}. TLS step: ` : ''}connection works: ${describeResult(outcome)}.`,
          'Show TLS Details',
        );
        if (choice) s.details.show(connection.id);
      } else if (outcome.error.code !== 'cancelled') {
        const sshStep = sshTestStep(connection.profile.ssh, outcome);
        if (sshStep) s.logger.info(`test of ${connection.name}: ${sshStep}`);
        await showConnectError(s, connection, outcome.error);
      }
      return outcome.ok;
    },

    'mysqlTls.showTlsDetails': async (arg) => {
      // No argument (status bar click, palette): the active connection.
      const connection =
        arg === undefined ? (s.active.get() ?? (await pickConnection(undefined, 'Connection to show'))) : await pickConnection(arg, 'Connection to show');
      if (connection) s.details.show(connection.id);
    },

    'mysqlTls.selectActiveConnection': async (arg) => {
      const connection = await pickConnection(arg, 'Connection to show in the status bar');
      if (!connection) return;
      // The tree refreshes on the active connection's change event (extension.ts): not on every click of a row.
      await s.active.set(connection.id);
    },

    // The client flavour is asked each time, the last choice first; a second argument ('mysql' or 'mariadb') skips the question.
    'mysqlTls.copyAsMysqlCommand': (() => {
      let lastFlavour: ClientFlavour = 'mysql';
      return async (arg: unknown, flavourArg?: unknown) => {
        const connection = await pickConnection(arg, 'Connection to copy as a mysql command line');
        if (!connection) return;
        let flavour = CLIENT_FLAVOURS.find((f) => f.flavour === flavourArg)?.flavour;
        if (!flavour) {
          const items = [...CLIENT_FLAVOURS].sort((a, b) => Number(b.flavour === lastFlavour) - Number(a.flavour === lastFlavour));
          const picked = await vscode.window.showQuickPick(items, {
            title: `Copy "${connection.name}" as a command line for`,
            placeHolder: 'The MariaDB client has no --ssl-mode option',
          });
          if (!picked) return;
          flavour = picked.flavour;
        }
        lastFlavour = flavour;
        let line: string;
        try {
          line = mysqlCommandLine(connection.profile, s.settings.pathContext(), flavour);
        } catch (e) {
          if (!isMysqlTlsError(e)) throw e;
          void vscode.window.showErrorMessage(`MySQL TLS: cannot copy "${connection.name}" as a command line: ${e.detail}. ${e.fix}`);
          return;
        }
        await vscode.env.clipboard.writeText(line);
        void vscode.window.showInformationMessage(`Copied: ${line}`);
        return line;
      };
    })(),

    'mysqlTls.setPassword': async (arg) => {
      const connection = await pickConnection(arg, 'Connection whose password to set');
      if (!connection) return;
      if (isTokenAuth(connection.profile.auth)) {
        // A token login sends a fresh cloud token each time; a stored password would never be used.
        void vscode.window.showWarningMessage(
          `MySQL TLS: "${connection.name}" logs in with a cloud identity token (${loginText(connection.profile.auth) ?? ''}); it has no password to set.`,
        );
        return;
      }
      const value = await vscode.window.showInputBox({
        title: `Password for ${connection.name}`,
        prompt: `Stored in ${s.secrets.description}, never in settings. Empty is allowed.`,
        password: true,
        ignoreFocusOut: true,
      });
      if (value === undefined) return;
      await storeSecret(connection, 'password', value);
      void vscode.window.showInformationMessage(`MySQL TLS: password of "${connection.name}" stored in ${s.secrets.description}.`);
    },

    'mysqlTls.setKeyPassphrase': async (arg) => {
      const connection = await pickConnection(arg, 'Connection whose key passphrase to set');
      if (!connection) return;
      const value = await vscode.window.showInputBox({
        title: `Key passphrase for ${connection.name}`,
        prompt: `Passphrase of the encrypted private key (ssl.key or ssl.pfx). Stored in ${s.secrets.description}. Leave empty to remove it.`,
        password: true,
        ignoreFocusOut: true,
      });
      if (value === undefined) return;
      if (value === '') await s.gate.vault.delete(connection, 'passphrase');
      else await storeSecret(connection, 'passphrase', value);
      void vscode.window.showInformationMessage(
        `MySQL TLS: key passphrase of "${connection.name}" ${value === '' ? 'removed' : `stored in ${s.secrets.description}`}.`,
      );
    },

    'mysqlTls.setSshSecret': async (arg) => {
      const connection = await pickConnection(arg, 'Connection whose SSH key passphrase or password to set');
      if (!connection) return;
      const ssh = connection.profile.ssh;
      if (!ssh || (ssh.auth ?? 'agent') === 'agent') {
        void vscode.window.showErrorMessage(
          `MySQL TLS: "${connection.name}" ${ssh ? 'authenticates to its bastion with the SSH agent' : 'has no ssh block'}: there is no SSH secret to store. Set ssh.auth to "key" (with ssh.keyFile) or "password" in Edit Connection first.`,
        );
        return;
      }
      // One secret per connection and kind, bound like the password (the route is part of the binding).
      const kind = ssh.auth === 'password' ? 'sshPassword' : 'sshPassphrase';
      const what = kind === 'sshPassword' ? `SSH password of ${ssh.user}@${ssh.host}` : `passphrase of the SSH key ${ssh.keyFile ?? ''}`;
      const value = await vscode.window.showInputBox({
        title: `SSH secret for ${connection.name}`,
        prompt: `The ${what}. Stored in ${s.secrets.description}, never in settings. Leave empty to remove it.`,
        password: true,
        ignoreFocusOut: true,
      });
      if (value === undefined) return;
      if (value === '') await s.gate.vault.delete(connection, kind);
      else await storeSecret(connection, kind, value);
      void vscode.window.showInformationMessage(`MySQL TLS: ${what} ${value === '' ? 'removed' : `stored in ${s.secrets.description}`}.`);
    },

    'mysqlTls.refresh': () => {
      s.settings.reload();
      s.tree.refresh();
    },

    'mysqlTls.showLog': () => s.showLog(),
  };
}

/** The text copied by the details view's "Copy Report" (the same report the CLI prints). */
export function reportText(connection: ConfiguredConnection, status: ConnectionStatus): string | undefined {
  return status.report ? formatReport(status.report, connection.profile.user) : undefined;
}
