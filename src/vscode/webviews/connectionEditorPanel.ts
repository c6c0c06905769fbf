import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ConnectionRegistry, TestOutcome } from '../../core/connections/connectionRegistry';
import type { Logger } from '../../core/logging/logger';
import type { SecretGate } from '../../core/secrets/connectionVault';
import { parseConnectionSettings, type ConfiguredConnection } from '../../core/settings/connectionSettings';
import {
  applyEditorValues,
  editorValuesOf,
  parseEditorRequest,
  validateEditedEntry,
  type EditorBrowseField,
  type EditorProblem,
  type EditorTestResult,
  type EditorUpdate,
  type EditorValues,
  isEditorField,
} from '../../core/settings/editorMessages';
import { SECURITY_LABELS } from '../../core/tls/formatReport';
import { portablePath } from '../connectionWizard';
import type { ConnectionSettings } from '../connectionSettings';
import { DisposableBase, DisposableStore } from '../lifecycle';
import { renderConnectionEditorPage } from './connectionEditorHtml';
import { ELEMENTS_SCRIPT } from './tlsDetailsPanel';

export const EDITOR_VIEW_SCRIPT = ['media', 'connectionEditor.js'] as const;
export const EDITOR_STYLE = ['media', 'connectionEditor.css'] as const;

export interface ConnectionEditorServices {
  extensionUri: vscode.Uri;
  settings: ConnectionSettings;
  registry: ConnectionRegistry;
  gate: SecretGate;
  logger: Logger;
}

const BROWSE_FILTERS: Record<EditorBrowseField, Record<string, string[]>> = {
  'ssl.ca': { 'PEM files': ['pem', 'crt', 'cer'], 'All files': ['*'] },
  'ssl.cert': { 'PEM files': ['pem', 'crt', 'cer'], 'All files': ['*'] },
  'ssl.key': { 'PEM files': ['pem', 'key'], 'All files': ['*'] },
  'ssl.pfx': { 'PKCS#12 files': ['p12', 'pfx'], 'All files': ['*'] },
  serverPublicKey: { 'PEM files': ['pem', 'pub'], 'All files': ['*'] },
  'ssh.keyFile': { 'All files': ['*'] },
  'ssh.knownHosts': { 'All files': ['*'] },
  'ssh.jump.keyFile': { 'All files': ['*'] },
};

/** The Test Connection outcome as steps for the form (every string is shown as text by the webview). */
export function testResultOf(outcome: TestOutcome): EditorTestResult {
  if (!outcome.ok) {
    return { ok: false, steps: [{ label: outcome.error.title, ok: false, detail: outcome.error.detail }], fix: outcome.error.fix };
  }
  const r = outcome.report;
  const steps: EditorTestResult['steps'] = [];
  const via = (r as { ssh?: { summary?: unknown } }).ssh?.summary;
  if (typeof via === 'string') steps.push({ label: 'SSH tunnel', ok: true, detail: via });
  steps.push({ label: 'TCP', ok: true, detail: `${r.host}:${r.port}` });
  steps.push(
    r.encrypted
      ? { label: 'TLS', ok: true, detail: `${r.protocol ?? ''} ${r.cipher?.name ?? ''}`.trim() }
      : { label: 'TLS', ok: false, detail: r.fallback ? `not used: ${r.fallbackReason ?? 'the server offers no TLS'}` : 'not used' },
  );
  steps.push({ label: 'Verification', ok: r.security === 'verified-identity' || r.security === 'verified-ca', detail: SECURITY_LABELS[r.security] });
  steps.push({ label: 'Login', ok: true, detail: `server ${r.serverVersion}` });
  return { ok: true, steps };
}

/**
 * One editor per connection. The form is untrusted: each request is parsed (editorMessages.ts) and a bad
 * one is dropped (and logged). Save validates the whole edited entry with the core validator, then writes
 * it back to the scope it came from, keeping every key the form does not show.
 */
export class ConnectionEditorPanels extends DisposableBase {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly s: ConnectionEditorServices) {
    super();
    this._register({ dispose: () => [...this.panels.values()].forEach((p) => p.dispose()) });
  }

  /** Opens (or reveals) the form of `connection`, focused at `field` (a settings path such as "ssl.ca") when given. */
  open(connection: ConfiguredConnection, field?: string): void {
    const focus = field && isEditorField(field) ? field : undefined;
    const existing = this.panels.get(connection.id);
    if (existing) {
      existing.reveal();
      if (focus) void existing.webview.postMessage({ type: 'focus', field: focus } satisfies EditorUpdate);
      return;
    }
    const { extensionUri } = this.s;
    const title = `Edit Connection: ${connection.name}`;
    const panel = vscode.window.createWebviewPanel('mysqlTls.connectionEditor', title, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    this.panels.set(connection.id, panel);
    const store = new DisposableStore();
    const session = new EditorSession(
      this.s,
      connection,
      (update) => void panel.webview.postMessage(update),
      () => panel.dispose(),
      focus,
    );
    store.add(panel.webview.onDidReceiveMessage((message: unknown) => session.receive(message)));
    store.add(
      panel.onDidDispose(() => {
        store.dispose();
        this.panels.delete(connection.id);
      }),
    );
    const nonce = randomBytes(16).toString('base64');
    const uri = (parts: readonly string[]): string => panel.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts)).toString();
    panel.webview.html = renderConnectionEditorPage({
      nonce,
      cspSource: panel.webview.cspSource,
      elementsScriptUri: uri(ELEMENTS_SCRIPT),
      viewScriptUri: uri(EDITOR_VIEW_SCRIPT),
      styleUri: uri(EDITOR_STYLE),
      title,
    });
  }
}

/** The message handling of one open editor (separate from the panel so it reads as a unit). */
export class EditorSession {
  private readonly log: Logger;
  private testing?: AbortController;

  constructor(
    private readonly s: ConnectionEditorServices,
    private connection: ConfiguredConnection,
    private readonly post: (update: EditorUpdate) => void,
    private readonly close: () => void,
    /** The field the form opens at (validated against the form's fields by the caller). */
    private readonly focus?: string,
  ) {
    this.log = s.logger.child('editor');
  }

  private otherNames(): string[] {
    return this.s.settings.current.connections.filter((c) => c.id !== this.connection.id).map((c) => c.name);
  }

  private async check(values: EditorValues): Promise<{ entry: Record<string, unknown>; problems: EditorProblem[] }> {
    const raw = this.s.settings.rawEntry(this.connection);
    let entry = applyEditorValues(raw, values);
    // An entry written without an id keeps the id its secrets are stored under (a derived id would change with the edit).
    if (entry.id === undefined) entry = { id: this.connection.id, ...entry };
    const problems = await validateEditedEntry(entry, values, {
      scope: this.connection.scope,
      paths: this.s.settings.pathContext(),
      otherNames: this.otherNames(),
      restricted: this.connection.restricted === true,
    });
    return { entry, problems };
  }

  async receive(message: unknown): Promise<void> {
    const request = parseEditorRequest(message);
    if (!request) {
      this.log.warn('ignored a malformed message from the connection editor');
      return;
    }
    switch (request.type) {
      case 'ready': {
        const notices: string[] = [];
        if (this.connection.restricted)
          notices.push('This workspace is not trusted (Restricted Mode): its files are not read and Test Connection is not available until you trust it.');
        if (this.connection.conflict) notices.push(this.connection.conflict.message);
        this.post({
          type: 'init',
          values: editorValuesOf(this.s.settings.rawEntry(this.connection)),
          scope: this.connection.scope,
          title: `Edit Connection: ${this.connection.name}`,
          notices,
          restricted: this.connection.restricted === true,
          ...(this.focus ? { focus: this.focus } : {}),
        });
        return;
      }
      case 'validate':
        this.post({ type: 'problems', problems: (await this.check(request.values)).problems });
        return;
      case 'save':
        await this.save(request.values);
        return;
      case 'test':
        await this.test(request.values);
        return;
      case 'browse':
        await this.browse(request.field);
        return;
      case 'setPassword':
        await vscode.commands.executeCommand('mysqlTls.setPassword', this.connection.id);
        return;
      case 'cancel':
        this.testing?.abort();
        this.close();
        return;
    }
  }

  private async save(values: EditorValues): Promise<void> {
    const { entry, problems } = await this.check(values);
    this.post({ type: 'problems', problems });
    if (problems.some((p) => p.severity === 'error')) return;
    const parsed = parseConnectionSettings([{ scope: this.connection.scope, value: [entry] }], this.s.settings.pathContext()).connections[0];
    if (!parsed) return;
    const target = { scope: this.connection.scope, id: this.connection.id, name: parsed.name, profile: { ...parsed.profile, id: this.connection.id } };
    // The stored secrets follow the endpoint the user just saved (as an edit in the wizard does). In Restricted
    // Mode no file is read, so they stay bound where they were (the next use asks before sending them).
    if (!this.connection.restricted) await this.s.gate.rebind(target, this.s.settings.pathContext());
    await this.s.settings.replaceEntry(this.connection, entry);
    const wasConnected = this.s.registry.status(this.connection.id).state === 'connected';
    this.log.info(`updated connection ${parsed.name} (${this.connection.id}) in ${this.connection.scope} settings from the editor`);
    const message = `Connection "${parsed.name}" saved to the ${this.connection.scope} settings.${wasConnected ? ' It was disconnected: reconnect to apply.' : ''}`;
    this.post({ type: 'saved', message });
    void vscode.window.showInformationMessage(`MySQL TLS: ${message}`);
    this.close();
  }

  private async test(values: EditorValues): Promise<void> {
    const { entry, problems } = await this.check(values);
    this.post({ type: 'problems', problems });
    if (problems.some((p) => p.severity === 'error')) {
      this.post({ type: 'testResult', result: { ok: false, steps: [{ label: 'Settings', ok: false, detail: 'fix the fields marked above first' }] } });
      return;
    }
    const parsed = parseConnectionSettings([{ scope: this.connection.scope, value: [entry] }], this.s.settings.pathContext()).connections[0];
    if (!parsed) return;
    this.post({ type: 'testing' });
    this.testing?.abort();
    const controller = new AbortController();
    this.testing = controller;
    // The same path as Test Connection, for the edited (unsaved) entry: its secrets still go through the gate,
    // which asks before sending them to an endpoint they are not bound to.
    const outcome = await this.s.registry.test({ ...parsed.profile, id: this.connection.id }, controller.signal);
    if (this.testing === controller) this.testing = undefined;
    this.post({ type: 'testResult', result: testResultOf(outcome) });
  }

  private async browse(field: EditorBrowseField): Promise<void> {
    const paths = this.s.settings.pathContext();
    const uris = await vscode.window.showOpenDialog({
      title: `Select ${field}`,
      canSelectMany: false,
      openLabel: 'Select',
      defaultUri: paths.workspaceFolder ? vscode.Uri.file(paths.workspaceFolder) : undefined,
      filters: BROWSE_FILTERS[field],
    });
    const file = uris?.[0]?.fsPath;
    if (!file) return;
    // Workspace entries keep workspace paths portable; the file is checked by the validation that follows.
    this.post({ type: 'browsed', field, value: this.connection.scope === 'user' ? file : portablePath(file, paths) });
  }
}
