/**
 * The full matrix against the real sandbox: 5 ssl modes x 6 servers x 5 accounts, each cell's expected
 * outcome written out below. Where the `mariadb` command line client can express the same mode, its
 * verdict (connects or not) is compared with ours.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it, before } from 'node:test';
import { MysqlTlsError } from '../../../src/core/errors';
import { openSession } from '../../../src/core/mysql/session';
import type { SslMode } from '../../../src/core/tls/sslMode';
import type { AccountName, SandboxDescription, ServerName } from '../../../scripts/sandbox';
import { clientCert, loadSandbox, sandboxProfile } from '../../helpers/sandbox';

type Outcome = 'plaintext' | 'plaintext-fallback' | 'encrypted' | 'verified-ca' | 'verified-identity' | MysqlTlsError['code'];

const ACCOUNTS = ['app_none', 'app_ssl', 'app_x509', 'app_subject', 'app_ed25519'] as const satisfies readonly AccountName[];
type Row = readonly [Outcome, Outcome, Outcome, Outcome, Outcome];

// Columns: app_none (REQUIRE NONE), app_ssl (REQUIRE SSL), app_x509 (REQUIRE X509), app_subject
// (REQUIRE ISSUER+SUBJECT), app_ed25519 (REQUIRE NONE, MariaDB's ed25519 plugin: our client_ed25519). X509/SUBJECT accounts are given
// the sandbox client certificate. MariaDB answers a refused plaintext login (REQUIRE SSL/X509,
// require_secure_transport) with error 1045, which we explain as account-requires-tls.
const DENY = 'account-requires-tls';
const NO_TLS = 'server-no-tls';
const all = (o: Outcome): Row => [o, o, o, o, o];
const tlsOk = all; // every account logs in once TLS is up (X509/SUBJECT accounts carry the client certificate)
const PLAIN_ONLY: Row = ['plaintext', DENY, DENY, DENY, 'plaintext'];

const EXPECTED: Record<ServerName, Record<SslMode, Row>> = {
  tls: {
    DISABLED: PLAIN_ONLY,
    PREFERRED: tlsOk('encrypted'),
    REQUIRED: tlsOk('encrypted'),
    VERIFY_CA: tlsOk('verified-ca'),
    VERIFY_IDENTITY: tlsOk('verified-identity'),
  },
  plain: {
    DISABLED: PLAIN_ONLY,
    PREFERRED: ['plaintext-fallback', DENY, DENY, DENY, 'plaintext-fallback'],
    REQUIRED: all(NO_TLS),
    VERIFY_CA: all(NO_TLS),
    VERIFY_IDENTITY: all(NO_TLS),
  },
  strict: {
    DISABLED: all(DENY),
    PREFERRED: tlsOk('encrypted'),
    REQUIRED: tlsOk('encrypted'),
    VERIFY_CA: tlsOk('verified-ca'),
    VERIFY_IDENTITY: tlsOk('verified-identity'),
  },
  wrongca: {
    DISABLED: PLAIN_ONLY,
    PREFERRED: tlsOk('encrypted'),
    REQUIRED: tlsOk('encrypted'),
    VERIFY_CA: all('tls-ca-mismatch'),
    VERIFY_IDENTITY: all('tls-ca-mismatch'),
  },
  wronghost: {
    DISABLED: PLAIN_ONLY,
    PREFERRED: tlsOk('encrypted'),
    REQUIRED: tlsOk('encrypted'),
    VERIFY_CA: tlsOk('verified-ca'),
    VERIFY_IDENTITY: all('tls-hostname-mismatch'),
  },
  expired: {
    DISABLED: PLAIN_ONLY,
    PREFERRED: tlsOk('encrypted'),
    REQUIRED: tlsOk('encrypted'),
    VERIFY_CA: all('tls-cert-expired'),
    VERIFY_IDENTITY: all('tls-cert-expired'),
  },
};

const needsCert = (a: AccountName): boolean => a === 'app_x509' || a === 'app_subject';

async function outcomeOf(sb: SandboxDescription, server: ServerName, account: AccountName, mode: SslMode): Promise<{ outcome: Outcome; detail: string }> {
  const { profile, secrets } = sandboxProfile(sb, server, account, { mode, ...(needsCert(account) ? clientCert(sb) : {}) });
  try {
    const session = await openSession({ profile, secrets });
    try {
      const r = await session.serverView();
      // The server's own view must agree with the socket in every successful cell.
      assert.equal(r.encrypted, r.server.sslCipher !== '', 'socket and server disagree on encryption');
      if (r.encrypted) {
        assert.equal(r.server.sslVersion, r.protocol);
        assert.ok(r.agreement.cipher, `cipher ${r.cipher?.name} vs server ${r.server.sslCipher}`);
      }
      const outcome: Outcome = r.fallback ? 'plaintext-fallback' : r.security;
      return { outcome, detail: `${r.protocol ?? 'plain'} ${r.cipher?.name ?? ''}` };
    } finally {
      await session.close();
    }
  } catch (e) {
    if (e instanceof MysqlTlsError) return { outcome: e.code, detail: e.detail };
    throw e;
  }
}

/** The mariadb client's verdict for the modes it can express; undefined where it cannot. */
function mariadbArgs(sb: SandboxDescription, server: ServerName, account: AccountName, mode: SslMode): string[] | undefined {
  const a = sb.accounts[account]!;
  const base = [
    '--no-defaults',
    '-h',
    sb.host,
    '-P',
    String(sb.servers[server].port),
    '-u',
    a.user,
    `-p${a.password}`,
    '--connect-timeout=5',
    '-N',
    '-e',
    'SELECT 1',
  ];
  const cert = needsCert(account) ? [`--ssl-cert=${sb.certs.clientCert}`, `--ssl-key=${sb.certs.clientKey}`] : [];
  switch (mode) {
    case 'DISABLED':
      return [...base, '--skip-ssl'];
    case 'REQUIRED':
      // The 10.11 client silently falls back to plaintext when the server offers no TLS, so it is no
      // oracle for REQUIRED against a server without TLS (that downgrade is exactly what we refuse).
      return sb.servers[server].tls ? [...base, '--ssl', ...cert] : undefined;
    case 'VERIFY_IDENTITY':
      return [...base, '--ssl', `--ssl-ca=${sb.certs.ca}`, '--ssl-verify-server-cert', ...cert];
    default:
      return undefined; // PREFERRED and VERIFY_CA have no exact equivalent in the MariaDB client
  }
}

function mariadbConnects(args: string[]): Promise<boolean> {
  return new Promise((resolve) => execFile('mariadb', args, { timeout: 15_000 }, (err, stdout) => resolve(!err && stdout.trim() === '1')));
}

const success = (o: Outcome): boolean => ['plaintext', 'plaintext-fallback', 'encrypted', 'verified-ca', 'verified-identity'].includes(o);

describe('ssl-mode matrix against the sandbox', () => {
  let sb: SandboxDescription;
  before(() => {
    sb = loadSandbox();
  });

  for (const server of Object.keys(EXPECTED) as ServerName[]) {
    for (const mode of Object.keys(EXPECTED[server]) as SslMode[]) {
      ACCOUNTS.forEach((account, i) => {
        const expected = EXPECTED[server][mode][i]!;
        it(`${server} / ${mode} / ${account} -> ${expected}`, async (t) => {
          if (!sb.accounts[account]) {
            t.skip('the server offers no ed25519 plugin');
            return;
          }
          const { outcome, detail } = await outcomeOf(sb, server, account, mode);
          assert.equal(outcome, expected, `got ${outcome}: ${detail}`);
          const args = mariadbArgs(sb, server, account, mode);
          if (args) {
            // the oracle: the mariadb client must agree on whether this cell connects
            assert.equal(success(outcome), await mariadbConnects(args), `mariadb client disagrees on ${server}/${mode}/${account}`);
          }
        });
      });
    }
  }

  it('the mariadb client (10.11) with --ssl falls back to plaintext on a server without TLS, where REQUIRED refuses', async () => {
    const a = sb.accounts.app_none!;
    const ok = await mariadbConnects([
      '--no-defaults',
      '-h',
      sb.host,
      '-P',
      String(sb.servers.plain.port),
      '-u',
      a.user,
      `-p${a.password}`,
      '--ssl',
      '-N',
      '-e',
      'SELECT 1',
    ]);
    const ours = await outcomeOf(sb, 'plain', 'app_none', 'REQUIRED');
    assert.equal(ours.outcome, 'server-no-tls');
    // Documents the reference client's behaviour; if a future client refuses too, this tells us.
    assert.equal(ok, true);
  });
});
