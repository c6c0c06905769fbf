import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { adminConnection, type SandboxDescription, type ServerName } from '../../scripts/sandbox';
import type { CloudToken, TokenRequest, TokenSource } from '../../src/core/cloudAuth/tokenSource';

/**
 * A real server-side check for cloud token logins: a MariaDB auth_pam account (mysql_clear_password, as RDS
 * IAM, Entra ID and Cloud SQL IAM logins are) whose PAM service runs a pam_exec script that accepts exactly
 * the token written in a file, and nothing else. `source` is a test token source: each call makes a new
 * random token and makes it the only one the server accepts, so a stale token (one fetched for an earlier
 * connect) is refused by the server. Needs root and /etc/pam.d (as the sandbox's app_pam); `ready` says.
 */
export interface TokenPamAccount {
  ready: boolean;
  user: string;
  /** Every token the source handed out, in order. */
  readonly issued: string[];
  /** Every request the source was asked, in order. */
  readonly requests: TokenRequest[];
  source: TokenSource;
  /** Makes `token` the one the server accepts (without issuing it). */
  expect(token: string): Promise<void>;
  remove(): Promise<void>;
}

export async function createTokenPamAccount(sb: SandboxDescription, servers: ServerName[] = ['tls', 'plain']): Promise<TokenPamAccount> {
  const user = 'app_token';
  const dir = path.join(sb.dir, 'token-pam');
  const name = `mysql-tls-token-${randomBytes(6).toString('hex')}`;
  const serviceFile = path.join('/etc/pam.d', name);
  const expected = path.join(dir, 'expected-token');
  const script = path.join(dir, 'check-token.sh');
  const issued: string[] = [];
  const requests: TokenRequest[] = [];
  const expect = (token: string): Promise<void> => fs.writeFile(expected, token, { mode: 0o600 });
  const ready = process.getuid?.() === 0 && existsSync('/etc/pam.d') && sb.accounts.app_pam !== undefined;
  if (ready) {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    // No token matches until a test issues one (an empty given token never equals a random one).
    await expect(randomBytes(16).toString('hex'));
    await fs.writeFile(script, `#!/bin/sh\nIFS= read -r given || true\n[ -n "$given" ] && [ "$given" = "$(cat '${expected}')" ]\n`, { mode: 0o700 });
    await fs.writeFile(serviceFile, `auth required pam_exec.so expose_authtok quiet ${script}\naccount required pam_permit.so\n`);
    for (const s of servers) {
      const c = await adminConnection(sb.servers[s], sb.admin.password);
      try {
        await c.query(`CREATE OR REPLACE USER '${user}'@'%' IDENTIFIED VIA pam USING ${c.escape(name)}`);
        await c.query(`GRANT SELECT ON sandbox.* TO '${user}'@'%'`);
      } finally {
        await c.end();
      }
    }
  }
  const source: TokenSource = async (request): Promise<CloudToken> => {
    requests.push(request);
    const token = `test-token-${issued.length + 1}-${randomBytes(18).toString('base64url')}`;
    issued.push(token);
    await expect(token);
    return { token, expiresAt: new Date(Date.now() + 15 * 60_000) };
  };
  return {
    ready,
    user,
    issued,
    requests,
    source,
    expect,
    remove: async () => {
      if (!ready) return;
      for (const s of servers) {
        const c = await adminConnection(sb.servers[s], sb.admin.password).catch(() => undefined);
        await c?.query(`DROP USER IF EXISTS '${user}'@'%'`).finally(() => c.end());
      }
      await fs.rm(serviceFile, { force: true });
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
