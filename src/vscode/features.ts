import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/connections/connectionRegistry';
import type { Logger } from '../core/logging/logger';
import type { TlsDetailsAction } from '../core/presentation/tlsDetailsMessages';
import type { SecretGate } from '../core/secrets/connectionVault';
import type { ActiveConnection } from './activeConnection';
import { createCertificateCommands } from './certificates/commands';
import type { CommandId } from './commandIds';
import { createCommandTable, reportText } from './commands';
import type { ConnectionSettings } from './connectionSettings';
import { createDiagnosticCommands, presentedCertificateAction } from './diagnostics';
import { DisposableStore } from './lifecycle';
import { chooseCloudPreset, createProxysqlCommands } from './proxysql/commands';
import type { QueryDocuments } from './query/queryDocuments';
import { createQueryCommands, QueryFeature } from './query/queryCommands';
import { ReportViewer } from './reports/reportViewer';
import type { ConfiguredSecretStore } from './secrets';
import { createServerTlsCommands } from './server/commands';
import type { ConnectionsTreeProvider } from './tree/connectionsTreeProvider';
import { ConnectionEditorPanels } from './webviews/connectionEditorPanel';
import { PresentedCertificatePanels } from './webviews/presentedCertificatePanel';
import { TlsDetailsPanels } from './webviews/tlsDetailsPanel';

/** What activation built (src/extension.ts): the services the first paint needs, shared with the features. */
export interface ActivatedServices {
  context: vscode.ExtensionContext;
  settings: ConnectionSettings;
  registry: ConnectionRegistry;
  secrets: ConfiguredSecretStore;
  gate: SecretGate;
  active: ActiveConnection;
  tree: ConnectionsTreeProvider;
  /** The query editors' bindings, built at activation: the status bar shows an unbound SQL editor from the start. */
  queryDocs: QueryDocuments;
  logger: Logger;
  showLog(): void;
}

/** The command handlers and everything only they use (webviews, reports, wizards, the query feature). */
export interface Features extends vscode.Disposable {
  table: Record<CommandId, (...args: unknown[]) => unknown>;
}

const DETAILS_ACTION_COMMANDS: Record<Exclude<TlsDetailsAction, 'copyReport'>, CommandId> = {
  connect: 'mysqlTls.connect',
  disconnect: 'mysqlTls.disconnect',
  test: 'mysqlTls.testConnection',
  editConnection: 'mysqlTls.editConnection',
  copyMysqlCommand: 'mysqlTls.copyAsMysqlCommand',
};

/**
 * Builds the features behind the commands. Loaded by src/extension.ts with a dynamic import() on the first
 * command (or shortly after start-up), so activation neither parses nor runs this module's graph (webpack
 * puts it in its own chunk; most of the extension's code is in it).
 */
export function createFeatures(s: ActivatedServices): Features {
  const { context, settings, registry, secrets, gate, active, tree, logger } = s;
  const scope = new DisposableStore();
  const details = scope.add(
    new TlsDetailsPanels(context.extensionUri, settings, registry, (action, connectionId) => {
      if (action === 'copyReport') {
        const connection = settings.find(connectionId);
        const text = connection && reportText(connection, registry.status(connectionId));
        if (text) void vscode.env.clipboard.writeText(text).then(() => vscode.window.showInformationMessage('MySQL TLS: report copied.'));
        return;
      }
      void vscode.commands.executeCommand(DETAILS_ACTION_COMMANDS[action], connectionId);
    }),
  );
  const editor = scope.add(new ConnectionEditorPanels({ extensionUri: context.extensionUri, settings, registry, gate, logger }));
  const presented: PresentedCertificatePanels = scope.add(
    new PresentedCertificatePanels(
      context.extensionUri,
      (action, connectionId) => void presentedCertificateAction({ panels: presented, settings, registry }, action, connectionId),
    ),
  );
  const reports = scope.add(new ReportViewer());
  const queries = scope.add(
    new QueryFeature({ extensionUri: context.extensionUri, settings, registry, logger, refreshTree: () => tree.refresh(), docs: s.queryDocs }),
  );
  const table: Record<CommandId, (...args: unknown[]) => unknown> = {
    ...createCommandTable({
      settings,
      registry,
      secrets,
      gate,
      active,
      tree,
      details,
      editor,
      logger,
      showLog: s.showLog,
      chooseCloudPreset: async (previous) => {
        const chosen = await chooseCloudPreset(context.globalStorageUri, previous);
        return chosen && { ssl: chosen.result.ssl, label: chosen.pid };
      },
    }),
    ...createCertificateCommands({ settings, secrets, gate, reports, logger, globalStorage: context.globalStorageUri }),
    ...createServerTlsCommands({ settings, registry, gate, reports, logger }),
    ...createQueryCommands(queries),
    ...createProxysqlCommands({ settings, registry, gate, logger, globalStorage: context.globalStorageUri, refreshTree: () => tree.refresh() }),
    ...createDiagnosticCommands({ settings, registry, gate, logger, panels: presented }),
  };
  return { table, dispose: () => scope.dispose() };
}
