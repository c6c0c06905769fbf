import type { ServerViewOptions, Session } from '../mysql/session';
import { withServerView, type TlsReport } from '../tls/tlsReport';
import { SELECT_VERSION_COMMENT } from './adminSql';
import type { AdminQuery } from './tlsState';

/**
 * Sessions through ProxySQL's client port (default 6033). There, SHOW SESSION STATUS is forwarded to a backend
 * connection: its Ssl_% values are the backend link's (observed on 2.7.1: a client on TLS with a plaintext
 * backend sees Ssl_cipher '', a plaintext client with a TLS backend sees TLSv1.3). ProxySQL answers
 * `SELECT @@version_comment LIMIT 1` itself with `(ProxySQL)`, which identifies it.
 */

export const PROXYSQL_VERSION_COMMENT = '(ProxySQL)';

/** Whether the session's server says it is ProxySQL. A refusal or anything else is "no". */
export async function isProxysqlClientPort(query: AdminQuery): Promise<boolean> {
  try {
    const { rows } = await query(SELECT_VERSION_COMMENT);
    const first = Array.isArray(rows) ? (rows[0] as Record<string, unknown> | undefined) : undefined;
    const value = first ? Object.values(first)[0] : undefined;
    return (Buffer.isBuffer(value) ? value.toString('utf8') : String(value ?? '')).trim() === PROXYSQL_VERSION_COMMENT;
  } catch {
    return false;
  }
}

const asked = new WeakMap<Session, Promise<TlsReport>>();

/** What the admin port answers to SHOW SESSION STATUS, every time (observed on 2.7.1). */
export const ADMIN_PORT_REFUSES_STATUS = 'not asked: ProxySQL\'s admin interface refuses SHOW SESSION STATUS (near "SHOW": syntax error)';

/**
 * The session's report with the server's view (Session.serverView()), marked as the backend link's when the
 * server is ProxySQL, so that no one compares it with this client's socket. Asked once per session. On a
 * ProxySQL admin connection the question is not sent at all: that port always refuses it.
 */
export function serverViewWithProxy(session: Session, kind?: string, options?: ServerViewOptions): Promise<TlsReport> {
  let p = asked.get(session);
  if (!p) {
    p = (async () => {
      if (kind === 'proxysqlAdmin') return withServerView(session.report, { reported: false, error: ADMIN_PORT_REFUSES_STATUS, sslVersion: '', sslCipher: '' });
      const report = await session.serverView(options);
      if (!report.server.reported || report.server.via) return report;
      return (await isProxysqlClientPort((sql) => session.query(sql))) ? withServerView(report, { ...report.server, via: 'proxysql' }) : report;
    })();
    p.catch(() => asked.delete(session));
    asked.set(session, p);
  }
  return p;
}
