/**
 * A small stand-in for the `vscode` module: enough of the API for activate() and the commands, recording
 * what the extension does (registered commands, notifications, status bar text, settings writes). Lets
 * plain node tests drive the VS Code layer; the e2e tier covers the real workbench.
 */
import Module from 'node:module';

type Listener<T> = (e: T) => void;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (listener: Listener<T>): { dispose(): void } => {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export interface Notification {
  level: 'info' | 'warning' | 'error';
  message: string;
  items: string[];
  /** Set for a modal (showWarningMessage(message, { modal: true, detail }, ...items)). */
  modal?: boolean;
  detail?: string;
}

export interface FakeVscode {
  module: Record<string, unknown>;
  commands: Map<string, (...args: unknown[]) => unknown>;
  notifications: Notification[];
  statusBarItems: Map<
    string,
    {
      text: string;
      name?: string;
      command?: string | { command: string; arguments?: unknown[] };
      tooltip?: { value: string };
      backgroundColor?: { id: string };
      visible: boolean;
    }
  >;
  treeViews: Map<
    string,
    {
      treeDataProvider: {
        getChildren(n?: unknown): Promise<unknown[]>;
        getTreeItem(n: unknown): { label?: string; description?: string; id?: string; contextValue?: string; iconPath?: unknown };
      };
      /** Selects nodes as a click in the view would (fires onDidChangeSelection). */
      select?(nodes: unknown[]): void;
    }
  >;
  settings: { user: Record<string, unknown>; workspace: Record<string, unknown> };
  logLines: string[];
  secrets: Map<string, string>;
  /** What showWarningMessage/showInformationMessage/showErrorMessage answer, by a regex on the message. */
  answers: { pattern: RegExp; item: string }[];
  /**
   * Queued answers for showInputBox / showQuickPick (label) and for createInputBox / createQuickPick, in order;
   * undefined = Escape, FAKE_BACK = the Back button.
   */
  inputs: (string | undefined)[];
  /** The quick inputs shown by createInputBox / createQuickPick, in order (what the user saw at each step). */
  quickInputs: ShownQuickInput[];
  /** Answers an InputBox refused (its validation message), in order; the flow was then cancelled. */
  rejectedInputs: { value: string; message: string }[];
  clipboard: string;
  workspaceFolders: { name: string; uri: { fsPath: string } }[];
  configChanged: EventEmitter<{ affectsConfiguration(section: string): boolean }>;
  /** vscode.workspace.isTrusted (Restricted Mode when false); grantTrust() fires onDidGrantWorkspaceTrust. */
  trusted: boolean;
  grantTrust(): void;
  /** Queued answers for showSaveDialog (a path; undefined = Cancel). */
  saveDialogs: (string | undefined)[];
  /** Webview panels created so far: their title, the page HTML, and the messages posted to them. */
  webviews: { viewType: string; title: string; html: string; posted: unknown[]; receive(message: unknown): void; disposed: boolean }[];
}

/** A queued answer that presses the Back button of a createInputBox / createQuickPick step. */
export const FAKE_BACK = '\u0000back';
/** A queued InputBox answer that accepts the prefilled value. */
export const FAKE_KEEP = '\u0000keep';

export interface ShownQuickInput {
  kind: 'inputBox' | 'quickPick';
  title?: string;
  step?: number;
  totalSteps?: number;
  /** The prefilled value (InputBox) or the labels (QuickPick) when it was shown. */
  value?: string;
  items?: string[];
  active?: string;
  prompt?: string;
  hasBack: boolean;
}

export function createFakeVscode(): FakeVscode {
  const fake = {} as FakeVscode;
  fake.commands = new Map();
  fake.notifications = [];
  fake.statusBarItems = new Map();
  fake.treeViews = new Map();
  fake.settings = { user: {}, workspace: {} };
  fake.logLines = [];
  fake.secrets = new Map();
  fake.answers = [];
  fake.inputs = [];
  fake.quickInputs = [];
  fake.rejectedInputs = [];
  fake.clipboard = '';
  fake.workspaceFolders = [];
  fake.configChanged = new EventEmitter();
  fake.trusted = true;
  fake.saveDialogs = [];
  fake.webviews = [];
  const trustGranted = new EventEmitter<void>();
  fake.grantTrust = () => {
    fake.trusted = true;
    trustGranted.fire();
  };

  const notify =
    (level: Notification['level']) =>
    async (message: string, ...rest: unknown[]): Promise<string | { title: string } | undefined> => {
      // Items are strings or MessageItems ({ title }); the options object ({ modal, detail }) has no title.
      const messageItems = rest.filter(
        (r): r is { title: string } => typeof r === 'object' && r !== null && typeof (r as { title?: unknown }).title === 'string',
      );
      const items = [...rest.filter((r): r is string => typeof r === 'string'), ...messageItems.map((m) => m.title)];
      const options = rest.find((r): r is { modal?: boolean; detail?: string } => typeof r === 'object' && r !== null && !('title' in r));
      fake.notifications.push({ level, message, items, ...(options?.modal ? { modal: true, detail: options.detail } : {}) });
      const answer = fake.answers.find((a) => a.pattern.test(message) && items.includes(a.item))?.item;
      return messageItems.find((m) => m.title === answer) ?? answer;
    };
  const getByPath = (obj: Record<string, unknown>, key: string): unknown => obj[key];

  class Disposable {
    constructor(private readonly fn: () => void) {}
    dispose(): void {
      this.fn();
    }
  }
  class ThemeIcon {
    constructor(
      readonly id: string,
      readonly color?: unknown,
    ) {}
  }
  class ThemeColor {
    constructor(readonly id: string) {}
  }
  class MarkdownString {
    constructor(
      public value = '',
      readonly supportThemeIcons = false,
    ) {}
    appendMarkdown(v: string): this {
      this.value += v;
      return this;
    }
  }
  class TreeItem {
    id?: string;
    description?: string;
    contextValue?: string;
    constructor(
      readonly label: string,
      readonly collapsibleState = 0,
    ) {}
  }
  const Uri = {
    file: (fsPath: string) => ({ fsPath, toString: () => `file://${fsPath}` }),
    joinPath: (base: { fsPath: string }, ...parts: string[]) => Uri.file([base.fsPath, ...parts].join('/')),
  };

  const backButton = { iconPath: 'back', tooltip: 'Back' };
  /** createInputBox / createQuickPick: each show() answers from fake.inputs on the next turn of the event loop. */
  const quickInput = (kind: 'inputBox' | 'quickPick') => {
    const accept = new EventEmitter<void>();
    const hide = new EventEmitter<void>();
    const button = new EventEmitter<unknown>();
    const change = new EventEmitter<string>();
    const selection = new EventEmitter<unknown[]>();
    const q = {
      title: undefined as string | undefined,
      step: undefined as number | undefined,
      totalSteps: undefined as number | undefined,
      value: '',
      prompt: undefined as string | undefined,
      placeholder: undefined as string | undefined,
      password: false,
      buttons: [] as unknown[],
      items: [] as { label: string }[],
      activeItems: [] as { label: string }[],
      selectedItems: [] as { label: string }[],
      validationMessage: undefined as string | undefined,
      busy: false,
      enabled: true,
      ignoreFocusOut: false,
      matchOnDetail: false,
      disposed: false,
      onDidAccept: accept.event,
      onDidHide: hide.event,
      onDidTriggerButton: button.event,
      onDidChangeValue: change.event,
      onDidChangeSelection: selection.event,
      onDidChangeActive: new EventEmitter<unknown>().event,
      hide: () => hide.fire(),
      dispose: () => {
        q.disposed = true;
      },
      show: () => {
        fake.quickInputs.push({
          kind,
          title: q.title,
          step: q.step,
          totalSteps: q.totalSteps,
          prompt: q.prompt,
          hasBack: q.buttons.includes(backButton),
          ...(kind === 'inputBox' ? { value: q.value } : { items: q.items.map((i) => i.label), active: q.activeItems[0]?.label }),
        });
        setImmediate(() => void answer());
      },
    };
    const answer = async (): Promise<void> => {
      const next = fake.inputs.shift();
      if (next === undefined) return hide.fire();
      if (next === FAKE_BACK) return button.fire(backButton);
      if (kind === 'quickPick') {
        const found = q.items.find((i) => i.label === next);
        if (!found) {
          fake.rejectedInputs.push({ value: next, message: `no quick pick item ${next} in ${q.items.map((i) => i.label).join(', ')}` });
          return hide.fire();
        }
        q.selectedItems = [found];
        q.activeItems = [found];
        selection.fire([found]);
        return accept.fire();
      }
      if (next !== FAKE_KEEP) q.value = next;
      change.fire(q.value);
      accept.fire();
      // Accepted when the flow disposes the box; refused when validation ends with a message.
      for (let i = 0; i < 2000 && !q.disposed; i++) {
        await new Promise((r) => setImmediate(r));
        if (!q.busy && q.validationMessage) {
          fake.rejectedInputs.push({ value: q.value, message: q.validationMessage });
          return hide.fire();
        }
      }
    };
    return q;
  };

  fake.module = {
    EventEmitter,
    Disposable,
    ThemeIcon,
    ThemeColor,
    MarkdownString,
    TreeItem,
    Uri,
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ViewColumn: { Active: -1, One: 1 },
    QuickInputButtons: { Back: backButton },
    env: { clipboard: { writeText: async (t: string) => void (fake.clipboard = t), readText: async () => fake.clipboard } },
    window: {
      createOutputChannel: (_name: string, _opts: unknown) => {
        const push = (level: string) => (m: string) => void fake.logLines.push(`${level} ${m}`);
        return { trace: push('trace'), debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error'), show() {}, dispose() {} };
      },
      createStatusBarItem: (id: string) => {
        const item = {
          text: '',
          visible: false,
          show() {
            item.visible = true;
          },
          hide() {
            item.visible = false;
          },
          dispose() {},
        } as FakeVscode['statusBarItems'] extends Map<string, infer V> ? V & { show(): void; hide(): void; dispose(): void } : never;
        fake.statusBarItems.set(id, item);
        return item;
      },
      createTreeView: (id: string, options: FakeVscode['treeViews'] extends Map<string, infer V> ? V : never) => {
        const selection = new EventEmitter<{ selection: unknown[] }>();
        fake.treeViews.set(id, { ...options, select: (nodes) => selection.fire({ selection: nodes }) });
        return { onDidChangeSelection: selection.event, dispose() {} };
      },
      showInformationMessage: notify('info'),
      showWarningMessage: notify('warning'),
      showErrorMessage: notify('error'),
      showInputBox: async (opts: { validateInput?: (v: string) => unknown }) => {
        const v = fake.inputs.shift();
        if (v !== undefined && opts.validateInput) {
          const error = await opts.validateInput(v);
          if (error) throw new Error(`input "${v}" rejected: ${String(error)}`);
        }
        return v;
      },
      showQuickPick: async (items: { label: string }[]) => {
        const label = fake.inputs.shift();
        if (label === undefined) return undefined;
        const found = (await items).find((i) => i.label === label);
        if (!found) throw new Error(`no quick pick item ${label} in ${(await items).map((i) => i.label).join(', ')}`);
        return found;
      },
      showOpenDialog: async () => undefined,
      createInputBox: () => quickInput('inputBox'),
      createQuickPick: () => quickInput('quickPick'),
      withProgress: async (_o: unknown, task: (p: unknown, token: unknown) => Promise<unknown>) =>
        task({ report() {} }, { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) }),
      showSaveDialog: async () => {
        const p = fake.saveDialogs.shift();
        return p === undefined ? undefined : Uri.file(p);
      },
      createWebviewPanel: (viewType: string, title: string) => {
        const received = new EventEmitter<unknown>();
        const disposed = new EventEmitter<void>();
        const record: FakeVscode['webviews'][number] = { viewType, title, html: '', posted: [], receive: (m) => received.fire(m), disposed: false };
        fake.webviews.push(record);
        const webview = {
          cspSource: 'vscode-resource:',
          asWebviewUri: (u: { toString(): string }) => u,
          onDidReceiveMessage: received.event,
          postMessage: async (m: unknown) => void record.posted.push(m),
          set html(v: string) {
            record.html = v;
          },
          get html() {
            return record.html;
          },
        };
        return {
          webview,
          get title() {
            return record.title;
          },
          set title(v: string) {
            record.title = v;
          },
          reveal() {},
          // A panel is created shown (preserveFocus or not).
          visible: true,
          onDidDispose: disposed.event,
          dispose() {
            record.disposed = true;
            disposed.fire();
          },
        };
      },
      // Query editors (src/vscode/query): no text editors in the fake.
      activeTextEditor: undefined,
      onDidChangeActiveTextEditor: new EventEmitter<unknown>().event,
      onDidChangeTextEditorSelection: new EventEmitter<unknown>().event,
    },
    languages: {
      createDiagnosticCollection: () => ({ set() {}, delete() {}, clear() {}, dispose() {} }),
      registerCodeLensProvider: () => ({ dispose() {} }),
    },
    workspace: {
      get workspaceFolders() {
        return fake.workspaceFolders;
      },
      getConfiguration: (section: string) => ({
        get: <T>(key: string, dflt?: T) =>
          (getByPath(fake.settings.workspace, `${section}.${key}`) ?? getByPath(fake.settings.user, `${section}.${key}`) ?? dflt) as T,
        inspect: (key: string) => ({
          key: `${section}.${key}`,
          globalValue: getByPath(fake.settings.user, `${section}.${key}`),
          workspaceValue: getByPath(fake.settings.workspace, `${section}.${key}`),
        }),
        update: async (key: string, value: unknown, target: number) => {
          const scope = target === 1 ? fake.settings.user : fake.settings.workspace;
          scope[`${section}.${key}`] = JSON.parse(JSON.stringify(value));
          fake.configChanged.fire({ affectsConfiguration: (s: string) => `${section}.${key}`.startsWith(s) });
        },
      }),
      onDidChangeConfiguration: fake.configChanged.event,
      onDidChangeWorkspaceFolders: new EventEmitter<unknown>().event,
      get isTrusted() {
        return fake.trusted;
      },
      onDidGrantWorkspaceTrust: trustGranted.event,
      onDidCloseTextDocument: new EventEmitter<unknown>().event,
      textDocuments: [],
    },
    commands: {
      registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
        if (fake.commands.has(id)) throw new Error(`command ${id} registered twice`);
        fake.commands.set(id, handler);
        return { dispose: () => void fake.commands.delete(id) };
      },
      executeCommand: async (id: string, ...args: unknown[]) => fake.commands.get(id)?.(...args),
    },
  };
  return fake;
}

/** Makes `require('vscode')` return the fake (call before loading the extension). */
export function installFakeVscode(fake: FakeVscode): () => void {
  const mod = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = mod._load;
  mod._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') return fake.module;
    return original.call(this, request, parent, isMain);
  };
  return () => {
    mod._load = original;
  };
}

export function fakeExtensionContext(fake: FakeVscode): Record<string, unknown> {
  const state = new Map<string, unknown>();
  return {
    subscriptions: [] as { dispose(): void }[],
    extensionUri: { fsPath: '/ext', toString: () => 'file:///ext' },
    workspaceState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v), keys: () => [...state.keys()] },
    globalState: { get: () => undefined, update: async () => undefined, keys: () => [] },
    secrets: {
      get: async (k: string) => fake.secrets.get(k),
      store: async (k: string, v: string) => void fake.secrets.set(k, v),
      delete: async (k: string) => void fake.secrets.delete(k),
      onDidChange: new EventEmitter<unknown>().event,
    },
  };
}

/**
 * Stores a secret in the fake SecretStorage the way the extension does (an envelope bound to the entry's
 * endpoint, in the entry's scope namespace), for tests that start with a password already saved.
 */
export async function seedBoundSecret(
  fake: FakeVscode,
  scope: 'user' | 'workspace',
  entry: { id: string; host: string; port?: number; user: string; ssl?: Record<string, unknown> },
  kind: 'password' | 'passphrase' | 'keyPem',
  value: string,
): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { bindingOf, encodeBoundSecret } = require('../../../src/core/secrets/secretBinding') as typeof import('../../../src/core/secrets/secretBinding');
  const { vaultAccountId } = require('../../../src/core/secrets/connectionVault') as typeof import('../../../src/core/secrets/connectionVault');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const binding = await bindingOf(entry as never, scope, undefined);
  fake.secrets.set(`mysql-tls:${vaultAccountId({ scope, id: entry.id })}/${kind}`, encodeBoundSecret(value, binding));
}

/** The value and binding the extension stored for a connection (undefined when nothing is stored). */
export function storedSecret(
  fake: FakeVscode,
  scope: 'user' | 'workspace',
  id: string,
  kind: import('../../../src/core/secrets/secretStore').SecretKind,
): { value: string; binding?: import('../../../src/core/secrets/secretBinding').SecretBinding } | undefined {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { decodeBoundSecret } = require('../../../src/core/secrets/secretBinding') as typeof import('../../../src/core/secrets/secretBinding');
  const { vaultAccountId } = require('../../../src/core/secrets/connectionVault') as typeof import('../../../src/core/secrets/connectionVault');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const raw = fake.secrets.get(`mysql-tls:${vaultAccountId({ scope, id })}/${kind}`);
  return raw === undefined ? undefined : decodeBoundSecret(raw);
}
