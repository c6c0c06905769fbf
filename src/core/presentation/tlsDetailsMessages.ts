/** Messages between the TLS details webview and the extension (media/tlsDetails.js uses these types via JSDoc). */
export type TlsDetailsAction = 'connect' | 'disconnect' | 'test' | 'copyReport' | 'editConnection' | 'copyMysqlCommand';

export const TLS_DETAILS_ACTIONS: readonly TlsDetailsAction[] = ['connect', 'disconnect', 'test', 'copyReport', 'editConnection', 'copyMysqlCommand'];

/** Webview -> extension. */
export type TlsDetailsRequest = { type: 'ready' } | { type: 'action'; action: TlsDetailsAction };

/** Extension -> webview: the escaped body to show (rendered by renderTlsDetailsBody). */
export type TlsDetailsUpdate = { type: 'render'; title: string; bodyHtml: string };

export function isTlsDetailsRequest(value: unknown): value is TlsDetailsRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; action?: unknown };
  if (v.type === 'ready') return true;
  return v.type === 'action' && typeof v.action === 'string' && (TLS_DETAILS_ACTIONS as readonly string[]).includes(v.action);
}
