/**
 * Cloud token logins against the real sandbox: a MariaDB auth_pam account whose pam_exec script accepts only
 * the token the test's token source handed out last (test/helpers/tokenPamAccount.ts), reached through
 * mysql_clear_password as RDS IAM, Entra ID and Cloud SQL IAM logins are. Proves that a token logs in over
 * VERIFY_IDENTITY/VERIFY_CA, is fetched fresh for every connect, reopen and reconnect, and never leaves the
 * client unless the server's certificate was verified (REQUIRED, plaintext, a TLS-stripping proxy and a
 * TLS-terminating proxy all get nothing).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { adminConnection } from '../../../scripts/sandbox';
import { ConnectionRegistry, type ConnectionStatus } from '../../../src/core/connections/connectionRegistry';
import { createLogger } from '../../../src/core/logging/logger';
import { openSession } from '../../../src/core/mysql/session';
import type { ConnectionProfile } from '../../../src/core/profile';
import type { SslMode } from '../../../src/core/tls/sslMode';
import { failure } from '../../helpers/failure';
import { startTlsTerminatingProxy } from '../../helpers/proxies';
import { startRelay } from '../../helpers/relay';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';
import { createTokenPamAccount, type TokenPamAccount } from '../../helpers/tokenPamAccount';

const CLIENT_SSL = 0x0800;

describe('cloud token logins (mysql_clear_password via auth_pam) on the sandbox', { timeout: 120_000 }, () => {
  const sb = loadSandbox();
  let account: TokenPamAccount;

  const tokenProfile = (mode: SslMode, port = sb.servers.tls.port, server: 'tls' | 'plain' = 'tls'): ConnectionProfile => {
    const { profile } = sandboxProfile(sb, server, 'app_none', { mode });
    return { ...profile, port, user: account.user, auth: { method: 'awsIam', region: 'eu-west-1' } };
  };
  /** Whether any of the tokens handed out so far appears in `bytes`. */
  const containsToken = (bytes: Buffer): boolean => account.issued.some((t) => bytes.includes(Buffer.from(t)));

  before(async () => {
    account = await createTokenPamAccount(sb);
  });
  after(async () => account?.remove());

  it('the sandbox can run the token account (root, /etc/pam.d and auth_pam)', () => {
    assert.equal(account.ready, true, 'needs root, /etc/pam.d and MariaDB auth_pam (the sandbox app_pam account)');
  });

  for (const mode of ['VERIFY_IDENTITY', 'VERIFY_CA'] as const) {
    it(`${mode}: a token from the source logs in for real, and the request names host, port and user`, async () => {
      const before = account.issued.length;
      const s = await openSession({ profile: tokenProfile(mode), tokenSource: account.source });
      try {
        const { rows } = await s.query<{ u: string }[]>('SELECT CURRENT_USER() AS u');
        assert.equal(rows[0]!.u, 'app_token@%');
        assert.equal(s.report.encrypted, true);
        assert.equal(account.issued.length, before + 1, 'one token per connect');
        const req = account.requests.at(-1)!;
        assert.deepEqual([req.method, req.host, req.port, req.user, req.auth.region], ['awsIam', sb.host, sb.servers.tls.port, 'app_token', 'eu-west-1']);
        assert.ok(!JSON.stringify(s.report).includes(account.issued.at(-1)!), 'the report does not carry the token');
      } finally {
        await s.close();
      }
    });
  }

  it('a stale token (the server expects a newer one) is refused as a token login, with the database-side fix, and no token in the error', async () => {
    const staleSource = async (): Promise<{ token: string; expiresAt: Date }> => ({
      token: 'stale-token-0123456789',
      expiresAt: new Date(Date.now() + 600_000),
    });
    const e = await failure(openSession({ profile: tokenProfile('VERIFY_IDENTITY'), tokenSource: staleSource }));
    assert.equal(e.code, 'token-login-denied', e.message);
    assert.match(e.fix, /AWSAuthenticationPlugin/);
    assert.ok(!e.explain().includes('stale-token-0123456789'));
  });

  it('Session.reopen (a query editor session) fetches a new token: the old one is no longer accepted by the server', async () => {
    const s = await openSession({ profile: tokenProfile('VERIFY_IDENTITY'), tokenSource: account.source });
    const n = account.issued.length;
    const again = await s.reopen();
    try {
      assert.equal(account.issued.length, n + 1);
      assert.notEqual(account.issued.at(-1), account.issued.at(-2));
      const { rows } = await again.query<{ u: string }[]>('SELECT CURRENT_USER() AS u');
      assert.equal(rows[0]!.u, 'app_token@%');
    } finally {
      await again.close();
      await s.close();
    }
  });

  for (const [label, mode, server] of [
    ['REQUIRED (TLS without verification)', 'REQUIRED', 'tls'],
    ['PREFERRED', 'PREFERRED', 'tls'],
    ['DISABLED (plaintext)', 'DISABLED', 'plain'],
  ] as const) {
    it(`${label}: refused by the client before a token is even fetched; the relay sees nothing`, async () => {
      const bytes: Buffer[] = [];
      const relay = await startRelay({ host: sb.host, port: sb.servers[server].port }, () => ({ fromClient: (c) => (bytes.push(c), true) }));
      const n = account.requests.length;
      try {
        const e = await failure(openSession({ profile: tokenProfile(mode, relay.port, server), tokenSource: account.source }));
        assert.equal(e.code, 'token-needs-verified-tls', e.message);
        assert.equal(e.field, 'ssl.mode');
        assert.match(e.fix, /VERIFY_IDENTITY/);
        assert.equal(account.requests.length, n, 'the token source was not asked');
        assert.equal(relay.connections(), 0);
        assert.equal(containsToken(Buffer.concat(bytes)), false);
      } finally {
        await relay.close();
      }
    });
  }

  it('a TLS-stripping proxy (CLIENT_SSL cleared in the greeting) under VERIFY_IDENTITY: no token reaches the proxy', async () => {
    const fromClient: Buffer[] = [];
    let client: net.Socket | undefined;
    let greeting = true;
    const relay = await startRelay({ host: sb.host, port: sb.servers.tls.port }, () => ({
      onOpen: (c) => (client = c),
      fromClient: (c) => (fromClient.push(c), true),
      fromServer: (chunk) => {
        if (!greeting) return true;
        greeting = false;
        const capsAt = chunk.indexOf(0, 5) + 1 + 4 + 8 + 1;
        const stripped = Buffer.from(chunk);
        stripped.writeUInt16LE(stripped.readUInt16LE(capsAt) & ~CLIENT_SSL, capsAt);
        client!.write(stripped);
        return false;
      },
    }));
    try {
      const e = await failure(openSession({ profile: tokenProfile('VERIFY_IDENTITY', relay.port), tokenSource: account.source }));
      assert.equal(e.code, 'server-no-tls', e.message);
      assert.equal(relay.connections(), 1, 'the client did reach the proxy');
      assert.equal(containsToken(Buffer.concat(fromClient)), false, 'no token in what the proxy received');
    } finally {
      await relay.close();
    }
  });

  it('a TLS-terminating proxy with another CA under VERIFY_IDENTITY: the handshake fails and the proxy decrypts nothing', async () => {
    const proxy = await startTlsTerminatingProxy(
      { host: sb.host, port: sb.servers.tls.port },
      { cert: readFileSync(sb.certs.otherServerCert, 'utf8'), key: readFileSync(sb.certs.otherServerKey, 'utf8') },
    );
    try {
      const e = await failure(openSession({ profile: tokenProfile('VERIFY_IDENTITY', proxy.port), tokenSource: account.source }));
      assert.equal(e.code, 'tls-ca-mismatch', e.message);
      assert.equal(proxy.clientDecryptedBytes(), 0);
    } finally {
      await proxy.close();
    }
  });

  it('an ordinary PAM password over REQUIRED still logs in (a documented user choice; only tokens need verification)', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_pam', { mode: 'REQUIRED' });
    const s = await openSession({ profile, secrets });
    try {
      assert.equal(s.report.encrypted, true);
    } finally {
      await s.close();
    }
  });

  it("the registry's automatic reconnect after a server-side KILL fetches a new token (counted), and the stale one would not work", async () => {
    const logged: string[] = [];
    const sink = {
      trace: (m: string) => logged.push(m),
      debug: (m: string) => logged.push(m),
      info: (m: string) => logged.push(m),
      warn: (m: string) => logged.push(m),
      error: (m: string) => logged.push(m),
    };
    const registry = new ConnectionRegistry({
      readSecrets: async () => ({}),
      paths: () => ({}),
      logger: createLogger(sink),
      tokenSource: account.source,
      resilience: () => ({ reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 400, reconnectMaxAttempts: 8, keepaliveIntervalMs: 0 }),
    });
    const id = 'token-reconnect';
    try {
      const n = account.issued.length;
      const first = await registry.connect({ ...tokenProfile('VERIFY_IDENTITY'), id, name: 'token' });
      assert.equal(first.state, 'connected', first.error?.explain());
      assert.equal(account.issued.length, n + 1);
      const oldThread = first.session!.threadId;
      // Bounded: a reconnect that fails (a stale token) ends in state 'error' or times out, and the test says which.
      const back = new Promise<ConnectionStatus>((resolve, reject) => {
        const timer = setTimeout(() => {
          sub.dispose();
          const st = registry.status(id);
          reject(new Error(`no reconnect within 15 s: ${st.state} ${st.error?.code ?? ''} ${st.reconnect?.reason.code ?? ''}`));
        }, 15_000);
        const sub = registry.onDidChange((s) => {
          if (s.id === id && s.state === 'connected' && s.session!.threadId !== oldThread) {
            clearTimeout(timer);
            sub.dispose();
            resolve(s);
          }
        });
      });
      const admin = await adminConnection(sb.servers.tls, sb.admin.password);
      try {
        await admin.query(`KILL CONNECTION ${oldThread}`);
      } finally {
        await admin.end();
      }
      const status = await back;
      assert.equal(status.report?.modeRequested, 'VERIFY_IDENTITY');
      assert.equal(account.issued.length, n + 2, 'the reconnect asked the source once more');
      assert.ok(logged.length > 0);
      for (const token of account.issued) assert.ok(!logged.some((l) => l.includes(token)), 'no token in the log');
    } finally {
      await registry.disconnectAll();
    }
  });
});
