import * as vscode from 'vscode';
import { TokenConsent, type ConsentQuestion } from '../core/cloudAuth/tokenConsent';
import { MysqlTlsError } from '../core/errors';
import type { Logger } from '../core/logging/logger';
import type { ConnectionSettings } from './connectionSettings';

export const SEND_TOKEN = 'Send Token';

/** The modal's text (exported for tests: what the user reads). */
export function consentText(q: ConsentQuestion): { message: string; detail: string } {
  return {
    message: `Log in to ${q.target} with your cloud identity?`,
    detail:
      `"${q.connectionName}" would send a login token of ${q.identity} to ${q.target}.\n` +
      q.reasons.map((r) => `• ${r[0]!.toUpperCase()}${r.slice(1)}.`).join('\n') +
      `\n\nSuch a token is a password for every database this identity may use until it expires, not only for this one. If you did not set up this connection yourself, Cancel. "${SEND_TOKEN}" is remembered for this host, mode, CA and identity; any change asks again.`,
  };
}

/** The registry's confirmTokenLogin: asks with a modal (Cancel is the default) and rejects with 'cancelled'. */
export function createTokenConsent(memento: vscode.Memento, settings: ConnectionSettings, logger: Logger) {
  const consent = new TokenConsent(memento, async (q) => {
    const text = consentText(q);
    logger.warn(`token login of "${q.connectionName}" needs confirmation: ${q.reasons.join('; ')}`);
    const items: vscode.MessageItem[] = [{ title: 'Cancel', isCloseAffordance: true }, { title: SEND_TOKEN }];
    const choice = await vscode.window.showWarningMessage(text.message, { modal: true, detail: text.detail }, ...items);
    return choice?.title === SEND_TOKEN;
  });
  return async (profile: { id: string }): Promise<void> => {
    const connection = settings.find(profile.id);
    if (!connection) throw new MysqlTlsError('config-invalid', `there is no connection with id "${profile.id}" in the settings any more`);
    const scope = connection.scope === 'user' ? 'user' : 'workspace';
    const ok = await consent.confirm({ id: connection.id, name: connection.name, scope, profile: connection.profile }, settings.pathContext());
    if (!ok) throw new MysqlTlsError('cancelled', `the token login of "${connection.name}" was not confirmed; nothing was sent`);
  };
}
