import * as vscode from 'vscode';
import type { Logger } from '../core/logging/logger';
import { ConnectionVault, SecretGate, type SecretAnswer, type SecretConfirmation } from '../core/secrets/connectionVault';
import { describeEndpoint } from '../core/secrets/secretBinding';
import type { SecretKind, SecretStore } from '../core/secrets/secretStore';

export const SEND_ONCE = 'Send Once';
export const UPDATE_BINDING = 'Update Binding';
export const BIND_AND_USE = 'Bind and Use';

const KIND_WORDS: Record<SecretKind, string> = {
  password: 'password',
  passphrase: 'key passphrase',
  keyPem: 'private key',
  sshPassword: 'SSH password',
  sshPassphrase: 'SSH key passphrase',
};

function kindsText(kinds: SecretKind[]): string {
  const words = kinds.map((k) => KIND_WORDS[k]);
  return words.length <= 1 ? (words[0] ?? 'secret') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** The modal's message and detail for a confirmation (exported for tests: what the user reads). */
export function confirmationText(c: SecretConfirmation): { message: string; detail: string; buttons: string[] } {
  const r = c.resolution;
  const what = kindsText(r.kinds);
  const target = `${describeEndpoint(r.current)} (${r.current.mode})`;
  if (r.origin === 'unbound') {
    return {
      message: `Use the stored ${what} of "${c.connectionName}" for ${target}?`,
      detail:
        `This ${what} was saved before MySQL TLS bound secrets to their server. If you answer "${BIND_AND_USE}", it is bound to ${target} ` +
        `and from then on is sent only there (any other endpoint, a weaker ssl-mode or another CA asks first). Cancel sends nothing and keeps it stored.`,
      buttons: [BIND_AND_USE],
    };
  }
  const saved = r.stored ? `${describeEndpoint(r.stored)} (${r.stored.mode}, ${r.stored.scope} settings)` : 'another connection';
  const reasons = (r.difference?.reasons ?? []).map((s) => `• ${s[0]!.toUpperCase()}${s.slice(1)}.`).join('\n');
  const intro =
    r.origin === 'otherScope'
      ? `The workspace connection "${c.connectionName}" reuses the id of a ${what} saved for your user connection at ${saved}.`
      : `The stored ${what} of "${c.connectionName}" was saved for ${saved}.`;
  return {
    message: `Send the stored ${what} of "${c.connectionName}" to ${target}?`,
    detail:
      `${intro}\n${reasons}\n\nIf you did not make this change yourself, a settings file (for example a repository's .vscode/settings.json) may have made it to collect your ${what}. ` +
      `"${SEND_ONCE}" uses it for this connection only; "${UPDATE_BINDING}" binds it to ${target} from now on${r.origin === 'otherScope' ? ' (a copy: the user connection keeps its own)' : ''}. Cancel sends nothing.`,
    buttons: [SEND_ONCE, UPDATE_BINDING],
  };
}

/**
 * Asks with a modal: nothing is sent until the user answers. Cancel is what Escape and closing the dialog mean.
 * (VS Code's modal focuses its first action button, "Send Once", whatever the order of the items, as
 * observed in code-server.)
 */
export async function askWithModal(c: SecretConfirmation, logger: Logger): Promise<SecretAnswer> {
  const text = confirmationText(c);
  logger.warn(`stored secrets of "${c.connectionName}" do not match where they would go (${c.resolution.origin}); asking before sending`);
  const items: vscode.MessageItem[] = [{ title: 'Cancel', isCloseAffordance: true }, ...text.buttons.map((title) => ({ title }))];
  const choice = (await vscode.window.showWarningMessage(text.message, { modal: true, detail: text.detail }, ...items))?.title;
  const answer: SecretAnswer = choice === SEND_ONCE ? 'sendOnce' : choice === UPDATE_BINDING || choice === BIND_AND_USE ? 'updateBinding' : 'cancel';
  logger.info(`secrets of "${c.connectionName}": ${answer}`);
  return answer;
}

export function createSecretGate(store: SecretStore, logger: Logger): SecretGate {
  return new SecretGate(new ConnectionVault(store), (c) => askWithModal(c, logger));
}
