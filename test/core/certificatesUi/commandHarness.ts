/**
 * The certificate and server command tables in the fake VS Code (the stand-in the activation test uses),
 * built the way extension.ts builds them, but not through activate(), so these tests do not depend on
 * every other feature's use of the VS Code API. Adds what the fake lacks for these commands: file dialogs,
 * text documents, the report content provider, and InputBox prefill (answer KEEP).
 */
import * as path from 'node:path';
import type { ConnectionRegistry } from '../../../src/core/connections/connectionRegistry';
import { createFakeVscode, fakeExtensionContext, installFakeVscode, type FakeVscode } from '../extension/fakeVscode';

/** showInputBox answer meaning "accept the prefilled value". */
export const KEEP = '\u0000keep';

export interface CommandHarness {
  fake: FakeVscode;
  registry: ConnectionRegistry;
  /** Paths the next showOpenDialog calls return, in order (undefined = cancelled). */
  openDialogAnswers: (string | undefined)[];
  /** Untitled documents opened (the server snippet). */
  untitled: { language?: string; content?: string }[];
  /** Report documents opened, in order. */
  reports: { uri: string; text: string }[];
  run(id: string, ...args: unknown[]): Promise<unknown>;
  connections(): Record<string, unknown>[];
  dispose(): Promise<void>;
}

export function startCommandHarness(opts: { storageDir: string; connections: Record<string, unknown>[]; secrets: Record<string, string> }): CommandHarness {
  const fake = createFakeVscode();
  const uninstall = installFakeVscode(fake);
  const openDialogAnswers: (string | undefined)[] = [];
  const providers = new Map<string, { provideTextDocumentContent(uri: unknown): string }>();
  const untitled: { language?: string; content?: string }[] = [];
  const reports: { uri: string; text: string }[] = [];

  const m = fake.module as Record<string, Record<string, unknown>>;
  const Uri = m.Uri!;
  Uri.from = (c: { scheme: string; path: string }) => ({ scheme: c.scheme, path: c.path, fsPath: c.path, toString: () => `${c.scheme}:${c.path}` });
  m.QuickPickItemKind = { Separator: -1, Default: 0 };
  m.languages = { setTextDocumentLanguage: async (d: unknown) => d };
  m.workspace!.registerTextDocumentContentProvider = (scheme: string, p: { provideTextDocumentContent(uri: unknown): string }) => {
    providers.set(scheme, p);
    return { dispose() {} };
  };
  m.workspace!.openTextDocument = async (arg: { language?: string; content?: string; scheme?: string }) => {
    if (arg.scheme === 'mysql-tls-report') {
      const text = providers.get(arg.scheme)!.provideTextDocumentContent(arg);
      reports.push({ uri: String(arg), text });
      return { languageId: 'markdown', uri: arg, getText: () => text };
    }
    untitled.push(arg);
    return { languageId: arg.language, getText: () => arg.content };
  };
  m.window!.showTextDocument = async () => ({});
  m.window!.showOpenDialog = async () => {
    const next = openDialogAnswers.shift();
    return next === undefined ? undefined : [(Uri.file as (p: string) => unknown)(next)];
  };
  m.window!.showInputBox = async (o: { value?: string; validateInput?: (v: string) => unknown }) => {
    let v = fake.inputs.shift();
    if (v === KEEP) v = o.value ?? '';
    if (v !== undefined && o.validateInput) {
      const error = await o.validateInput(v);
      if (error) throw new Error(`input "${v}" rejected: ${String(error)}`);
    }
    return v;
  };
  fake.workspaceFolders = [{ name: 'ws', uri: { fsPath: opts.storageDir } }];
  fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
  fake.settings.workspace['mysqlTls.connections'] = opts.connections;

  /* eslint-disable @typescript-eslint/no-require-imports */
  const { createLogger } = require('../../../src/core/logging/logger') as typeof import('../../../src/core/logging/logger');
  const { ConnectionRegistry } =
    require('../../../src/core/connections/connectionRegistry') as typeof import('../../../src/core/connections/connectionRegistry');
  const { createSecretGate } = require('../../../src/vscode/secretGate') as typeof import('../../../src/vscode/secretGate');
  const { ConnectionSettings } = require('../../../src/vscode/connectionSettings') as typeof import('../../../src/vscode/connectionSettings');
  const { ConfiguredSecretStore } = require('../../../src/vscode/secrets') as typeof import('../../../src/vscode/secrets');
  const { ReportViewer } = require('../../../src/vscode/reports/reportViewer') as typeof import('../../../src/vscode/reports/reportViewer');
  const { createCertificateCommands } = require('../../../src/vscode/certificates/commands') as typeof import('../../../src/vscode/certificates/commands');
  const { createServerTlsCommands } = require('../../../src/vscode/server/commands') as typeof import('../../../src/vscode/server/commands');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const context = fakeExtensionContext(fake) as { secrets: never };
  const push = (level: string) => (msg: string) => void fake.logLines.push(`${level} ${msg}`);
  const logger = createLogger({ trace: push('trace'), debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') });
  const settings = new ConnectionSettings(logger);
  const secrets = new ConfiguredSecretStore(context.secrets, logger);
  const gate = createSecretGate(secrets, logger);
  const gated = (
    id: string,
  ): { scope: 'workspace' | 'user' | 'workspaceFolder'; id: string; name: string; profile: import('../../../src/core/profile').ConnectionProfile } => {
    const c = settings.find(id);
    if (!c) throw new Error(`no connection ${id}`);
    return c;
  };
  // Seeded secrets ('<id>/<kind>') are stored the way the extension stores them: bound to their connection.
  const ready = (async () => {
    for (const [k, v] of Object.entries(opts.secrets)) {
      const [id, kind] = k.split('/') as [string, 'password' | 'passphrase' | 'keyPem'];
      await gate.save(gated(id), kind, v, settings.pathContext());
    }
  })();
  const registry = new ConnectionRegistry({
    readSecrets: (profile, purpose) => gate.secretsFor({ ...gated(profile.id), profile }, settings.pathContext(), purpose),
    paths: () => settings.pathContext(),
    logger,
  });
  const viewer = new ReportViewer();
  const table: Record<string, (...args: unknown[]) => unknown> = {
    ...createCertificateCommands({
      settings,
      secrets,
      gate,
      reports: viewer,
      logger,
      globalStorage: { fsPath: path.join(opts.storageDir, 'global-storage') } as never,
    }),
    ...createServerTlsCommands({ settings, registry, gate, reports: viewer, logger }),
    'mysqlTls.connect': async (id: unknown) => registry.connect(settings.find(String(id))!.profile),
    'mysqlTls.setPassword': () => undefined,
  };
  for (const [id, handler] of Object.entries(table)) fake.commands.set(id, handler);

  return {
    fake,
    registry,
    openDialogAnswers,
    untitled,
    reports,
    run: async (id, ...args) => {
      await ready;
      return fake.commands.get(id)!(...args);
    },
    connections: () => fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[],
    async dispose() {
      await registry.disconnectAll();
      settings.dispose();
      viewer.dispose();
      uninstall();
    },
  };
}
