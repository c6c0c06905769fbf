import * as vscode from 'vscode';
import { ConnectionRegistry } from './core/connections/connectionRegistry';
import { MysqlTlsError } from './core/errors';
import type { OpenSessionOptions, Session } from './core/mysql/session';
import type { TunnelManager } from './core/ssh/tunnel';
import { ActiveConnection } from './vscode/activeConnection';
import { COMMAND_TITLES, type CommandId } from './vscode/commandIds';
import { ConnectionSettings } from './vscode/connectionSettings';
import type { Features } from './vscode/features';
import { InlineSecretsWarning } from './vscode/inlineSecretsWarning';
import { DisposableStore } from './vscode/lifecycle';
import { createOutputLogger } from './vscode/logOutput';
import { QueryDocuments } from './vscode/query/queryDocuments';
import { ConfiguredSecretStore } from './vscode/secrets';
import { createSecretGate } from './vscode/secretGate';
import { e2eTokenSource } from './vscode/e2eTokenSource';
import { TlsStatusBar } from './vscode/statusBar';
import { ConnectionsTreeProvider } from './vscode/tree/connectionsTreeProvider';

let extensionScope: DisposableStore | undefined;
let registryForShutdown: ConnectionRegistry | undefined;

/**
 * The command handlers and everything only they use load this long after start-up unless a command runs
 * first (then at once): off the activation path, but ready before the user's first click, and the query
 * feature's start-up chores (the stale spill sweep) still run in every session.
 */
const FEATURES_WARM_UP_MS = 2000;

/**
 * Composition root: builds the services, registers the view, commands and status bar, and pushes every
 * disposable. Kept fast: nothing here loads mysql2 (first connect does) or keytar (first secret access does),
 * and only what the first paint needs is built here (settings, the tree's root level, the status bar); the
 * command handlers, webviews, wizards and reports are in src/vscode/features.ts, loaded on first use.
 */
export function activate(context: vscode.ExtensionContext): void {
  const scope = new DisposableStore();
  extensionScope = scope;
  context.subscriptions.push(scope);
  const { logger, channel } = createOutputLogger();
  scope.add(channel);
  const log = logger.child('activate');
  try {
    const settings = scope.add(new ConnectionSettings(logger.child('settings')));
    const secrets = new ConfiguredSecretStore(context.secrets, logger.child('secrets'), context.extensionUri.fsPath);
    // Stored secrets leave the store only through the gate: bound to their endpoint, or after a modal.
    const gate = createSecretGate(secrets, logger.child('secrets'));
    // The SSH tunnels (known_hosts, the host key modal) load with the engine on the first connect, not at activation.
    let tunnels: TunnelManager | undefined;
    const openSession = async (options: OpenSessionOptions): Promise<Session> => {
      const [engine, ssh] = await Promise.all([
        import(/* webpackChunkName: "session" */ './core/mysql/session'),
        import(/* webpackChunkName: "session" */ './vscode/sshHostKey'),
      ]);
      tunnels ??= ssh.createSshTunnels(context);
      return engine.openSession({ ...options, tunnels });
    };
    let confirmToken: ((profile: { id: string }) => Promise<void>) | undefined;
    const registry = new ConnectionRegistry({
      openSession,
      readSecrets: (profile, purpose) => {
        const connection = settings.find(profile.id);
        if (!connection) throw new MysqlTlsError('config-invalid', `there is no connection with id "${profile.id}" in the settings any more`);
        return gate.secretsFor({ scope: connection.scope, id: connection.id, name: connection.name, profile }, settings.pathContext(), purpose);
      },
      refuse: (profile) => {
        const connection = settings.find(profile.id);
        return connection?.restricted
          ? new MysqlTlsError('workspace-untrusted', `"${connection.name}" is defined in the settings of a workspace that is not trusted`)
          : undefined;
      },
      paths: () => settings.pathContext(),
      resilience: () => settings.resilience(),
      logger: logger.child('connections'),
      // The consent modal's code (and the cloud token modules behind it) loads on the first token login.
      confirmTokenLogin: async (profile) => {
        confirmToken ??= (await import(/* webpackChunkName: "session" */ './vscode/tokenConsent')).createTokenConsent(
          context.globalState,
          settings,
          logger.child('secrets'),
        );
        return confirmToken(profile);
      },
      tokenSource: e2eTokenSource(),
      sshKnownHostsTrusted: (profile) => settings.find(profile.id)?.scope === 'user',
    });
    scope.add({ dispose: () => tunnels?.closeAll() });
    registryForShutdown = registry;
    scope.add({ dispose: () => void registry.disconnectAll() });
    // The status bar, the tree and the TLS details show the server's own view (Ssl_version, Ssl_cipher): ask
    // for it once per session as soon as it is connected (connecting itself does not wait for that round trip).
    scope.add(
      registry.onDidChange((s) => {
        if (s.state === 'connected' && s.report?.server.pending)
          registry.serverView(s.id).catch((e: unknown) => log.warn(`the server's TLS view of ${s.id} could not be read: ${String((e as Error).message ?? e)}`));
      }),
    );
    const active = scope.add(new ActiveConnection(context.workspaceState, settings, registry));
    const tree = scope.add(new ConnectionsTreeProvider(settings, registry, () => active.id));
    const treeView = scope.add(vscode.window.createTreeView('mysqlTls.connections', { treeDataProvider: tree, showCollapseAll: true }));
    active.followTreeSelection(treeView);
    scope.add(active.onDidChange(() => tree.refresh()));
    const statusBar = scope.add(new TlsStatusBar(settings, registry, active));
    // Built here (not with the query feature): the status bar offers the binding of a SQL editor from the start.
    const queryDocs = scope.add(new QueryDocuments(settings, registry, logger.child('query')));
    statusBar.followQueryEditors(queryDocs);

    // The features load once; a failed load (a missing chunk) is retried on the next command.
    let features: Promise<Features> | undefined;
    let featuresLoaded = false;
    const loadFeatures = (): Promise<Features> =>
      (features ??= import(/* webpackChunkName: "features" */ './vscode/features').then(
        (m) => {
          featuresLoaded = true;
          return scope.add(m.createFeatures({ context, settings, registry, secrets, gate, active, tree, queryDocs, logger, showLog: () => channel.show() }));
        },
        (e: unknown) => {
          features = undefined;
          throw e;
        },
      ));
    const warmUp = setTimeout(() => loadFeatures().catch((e: unknown) => log.error('the commands could not be loaded', e)), FEATURES_WARM_UP_MS);
    warmUp.unref?.();
    scope.add({ dispose: () => clearTimeout(warmUp) });
    // The query feature re-renders the tree when this changes; until it is loaded, this does.
    scope.add(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!featuresLoaded && e.affectsConfiguration('mysqlTls.showSystemSchemas')) tree.refresh();
      }),
    );
    const commandLog = logger.child('commands');
    for (const id of Object.keys(COMMAND_TITLES) as CommandId[]) {
      scope.add(
        vscode.commands.registerCommand(id, async (...args: unknown[]) => {
          try {
            const { table } = await loadFeatures();
            return await table[id](...args);
          } catch (e) {
            commandLog.error(`${id} failed`, e);
            void vscode.window.showErrorMessage(`MySQL TLS: ${COMMAND_TITLES[id]} failed: ${e instanceof Error ? e.message : String(e)}`);
            return undefined;
          }
        }),
      );
    }

    // Settings changes: re-render (the tree and status bar listen); a connection whose settings changed or
    // that was removed is closed, since its session no longer matches what the settings say.
    // Profiles are compared only for the connections that are open (not each one at activation and on each save).
    let previous = settings.current.connections;
    scope.add(
      settings.onDidChange((parsed) => {
        const next = new Map(parsed.connections.map((c) => [c.id, c.profile]));
        for (const { id, profile } of previous) {
          const state = registry.status(id).state;
          if (state !== 'connected' && state !== 'connecting' && state !== 'reconnecting') continue;
          const now = next.get(id);
          if (!now) void registry.forget(id);
          else if (JSON.stringify(now) !== JSON.stringify(profile)) {
            void registry.disconnect(id);
            const name = parsed.connections.find((c) => c.id === id)?.name ?? id;
            void vscode.window.showInformationMessage(`MySQL TLS: the settings of "${name}" changed; it was disconnected.`, 'Reconnect').then((choice) => {
              if (choice) void vscode.commands.executeCommand('mysqlTls.connect', id);
            });
          }
        }
        previous = parsed.connections;
      }),
    );
    scope.add(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mysqlTls.secretStorage')) secrets.refresh();
      }),
    );

    const inlineSecrets = scope.add(new InlineSecretsWarning(settings, gate, logger.child('settings')));
    inlineSecrets.check();
    // Each settings problem is shown once (not again on every unrelated settings save).
    const shownProblems = new Set<string>();
    const showProblems = (problems: typeof settings.current.problems): void => {
      const fresh = problems.filter((p) => (p.severity === 'error' || p.conflict) && !shownProblems.has(`${p.scope}:${p.index}:${p.field}:${p.message}`));
      for (const p of fresh) shownProblems.add(`${p.scope}:${p.index}:${p.field}:${p.message}`);
      const first = fresh[0];
      if (!first) return;
      void vscode.window.showWarningMessage(
        `MySQL TLS: connection #${first.index + 1} in ${first.scope} settings: ${first.field ? `${first.field}: ` : ''}${first.message}${fresh.length > 1 ? ` (and ${fresh.length - 1} more problems; see the Connections view)` : ''}`,
      );
    };
    showProblems(settings.current.problems);
    scope.add(settings.onDidChange((parsed) => showProblems(parsed.problems)));
    log.info(
      `activated: ${settings.current.connections.length} connection(s), ${settings.current.invalid.length} invalid entr${settings.current.invalid.length === 1 ? 'y' : 'ies'}`,
    );
  } catch (e) {
    log.error('activation failed', e);
    void vscode.window.showErrorMessage(`MySQL TLS could not start: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
}

export async function deactivate(): Promise<void> {
  await registryForShutdown?.disconnectAll();
  extensionScope?.dispose();
}
