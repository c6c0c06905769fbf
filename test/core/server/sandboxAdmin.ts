import type { SandboxDescription, ServerName } from '../../../scripts/sandbox';
import { openSession, type Session } from '../../../src/core/mysql/session';
import type { SslMode } from '../../../src/core/tls/sslMode';

/** A root session to a sandbox server over TCP (TLS verified when the server has TLS, plaintext otherwise). */
export function rootSession(
  sb: SandboxDescription,
  server: ServerName,
  mode: SslMode = sb.servers[server].tls ? 'VERIFY_IDENTITY' : 'DISABLED',
): Promise<Session> {
  return openSession({
    profile: { host: sb.host, port: sb.servers[server].port, user: sb.admin.user, ssl: { mode, ...(mode === 'DISABLED' ? {} : { ca: sb.certs.ca }) } },
    secrets: { password: sb.admin.password },
  });
}

/** A unique throwaway account name for one test run. */
export function throwawayUser(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}`.slice(0, 60);
}
