/**
 * yaSSL builds (MySQL 5.7 community up to 5.7.27, and 5.6) speak TLS 1.0/1.1 only (issue 15, item 8). They
 * cannot be installed here: the double's 5.7.26-yassl flavour (test/helpers/mysql8/server.ts) offers
 * TLS 1.0-1.1 with DHE-RSA-AES256-SHA then AES256-SHA, as those builds do. What Node 20 (OpenSSL 3) does
 * against it is observed, not assumed: "protocol version", then "legacy sigalg disallowed" with minVersion
 * lowered, and a working session only with the explicit SECLEVEL=0 override, which every report labels.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRetryable } from '../../../src/core/connections/resilience';
import { openSession } from '../../../src/core/mysql/session';
import { LEGACY_OVERRIDE_HINT, planTls } from '../../../src/core/tls/tlsPlan';
import { doubleProfile, loginOutcome, withDouble } from '../../helpers/mysql8/testing';

const pw = 'yassl-pw';
const accounts = [{ user: 'app', password: pw }];

describe('MySQL 5.7 yaSSL builds (double: TLS 1.0/1.1, DHE-RSA-AES256-SHA, AES256-SHA)', { timeout: 60_000 }, () => {
  it('default settings: refused with a cause that names the server kind and both ways out', () =>
    withDouble({ flavour: '5.7.26-yassl', accounts }, async (f) => {
      const { outcome, error } = await loginOutcome(f, 'app', pw, { mode: 'REQUIRED' });
      assert.equal(outcome, 'tls-legacy-server', error?.message);
      assert.match(error!.detail, /protocol version/);
      assert.match(error!.fix, /5\.7\.28/);
      assert.match(error!.fix, /ssl\.minVersion "TLSv1" and ssl\.ciphers "DEFAULT@SECLEVEL=0"/);
      assert.match(error!.fix, /insecure/);
      assert.equal(isRetryable(error!), false, 'the same server fails the same way');
      assert.equal(f.double.connections.at(-1)!.tls, undefined, 'no TLS session came up');
    }));

  it('minVersion TLSv1 alone: OpenSSL 3 refuses the legacy key-exchange signature -> still tls-legacy-server (was a retried tls-handshake-failed)', () =>
    withDouble({ flavour: '5.7.26-yassl', accounts }, async (f) => {
      const { outcome, error } = await loginOutcome(f, 'app', pw, { mode: 'REQUIRED', minVersion: 'TLSv1' });
      assert.equal(outcome, 'tls-legacy-server', error?.message);
      assert.match(error!.detail, /legacy sigalg/);
      assert.equal(isRetryable(error!), false);
    }));

  it('the explicit override (minVersion TLSv1 + DEFAULT@SECLEVEL=0) connects over TLS 1.1, and the report labels it insecure', () =>
    withDouble({ flavour: '5.7.26-yassl', accounts }, async (f) => {
      const s = await openSession({
        profile: doubleProfile(f, 'app', { mode: 'VERIFY_CA', ca: f.caFile, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }),
        secrets: { password: pw },
      });
      try {
        const r = await s.serverView();
        assert.equal(r.protocol, 'TLSv1.1');
        assert.equal(r.server.sslVersion, 'TLSv1.1');
        assert.equal(r.cipher?.name, 'DHE-RSA-AES256-SHA');
        assert.ok(r.hints.includes(LEGACY_OVERRIDE_HINT), r.hints.join('\n'));
        assert.match(LEGACY_OVERRIDE_HINT, /^INSECURE LEGACY OVERRIDE/);
      } finally {
        await s.close();
      }
      assert.equal(f.double.connections.at(-1)!.tls?.version, 'TLSv1.1');
    }));

  it('the label is there whenever SECLEVEL=0 is set, and absent otherwise', async () => {
    const plan = (ciphers?: string) => planTls({ profile: { host: 'db', user: 'u', ssl: { mode: 'REQUIRED', ...(ciphers ? { ciphers } : {}) } }, secrets: {} });
    assert.ok((await plan('AES256-SHA:@SECLEVEL=0')).hints.includes(LEGACY_OVERRIDE_HINT));
    assert.ok(!(await plan('ECDHE-RSA-AES256-GCM-SHA384')).hints.includes(LEGACY_OVERRIDE_HINT));
    assert.ok(!(await plan()).hints.includes(LEGACY_OVERRIDE_HINT));
  });

  it('a modern server the client shares no version with stays tls-protocol-mismatch (the yaSSL words are not used blindly)', () =>
    withDouble({ flavour: '8.0.36', accounts: [{ user: 'app', password: pw }] }, async (f) => {
      // The double serves TLS 1.2+; a client capped at TLS 1.1 cannot meet it.
      const { outcome } = await loginOutcome(f, 'app', pw, { mode: 'REQUIRED', minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
      assert.equal(outcome, 'tls-protocol-mismatch');
    }));
});
