/**
 * TLS on ProxySQL's admin port with its own auto-generated CA, against the stand-in (which writes
 * proxysql-ca.pem, proxysql-cert.pem and proxysql-key.pem like ProxySQL 2.6+; ProxySQL cannot be installed here).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { MysqlTlsError } from '../../../src/core/errors';
import { openSession } from '../../../src/core/mysql/session';
import {
  AUTO_CERTIFICATE_EXPLANATION,
  defaultAdminSsl,
  explainAdminConnectError,
  inspectProxysqlCa,
  isProxysqlAutoCertificate,
} from '../../../src/core/proxysql/adminTls';
import { startProxysqlStandIn } from '../../helpers/proxysqlStandIn';

describe("ProxySQL's own CA on the admin port", () => {
  it("recognises the auto-generated certificate, shows the CA's fingerprint, and explains why VERIFY_IDENTITY cannot pass", async () => {
    const standIn = await startProxysqlStandIn();
    try {
      const ca = await inspectProxysqlCa(standIn.caFile);
      assert.equal(ca.looksLikeProxysqlCa, true);
      assert.match(ca.certificate.fingerprintSha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.deepEqual(ca.warnings, []);
      const notCa = await inspectProxysqlCa(path.join(standIn.dataDir, 'proxysql-cert.pem'));
      assert.ok(
        notCa.warnings.some((w) => /not a CA/.test(w)),
        'the server certificate is refused as a trust anchor',
      );

      const session = await openSession({
        profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, kind: 'proxysqlAdmin', ssl: defaultAdminSsl(standIn.caFile) },
        secrets: { password: standIn.password },
      });
      assert.equal(session.report.security, 'verified-ca');
      assert.equal(isProxysqlAutoCertificate(session.report.peerChain[0]), true);
      await session.close();

      const failure = await openSession({
        profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'VERIFY_IDENTITY', ca: standIn.caFile } },
        secrets: { password: standIn.password },
      }).then(
        () => assert.fail('VERIFY_IDENTITY passed'),
        (e: unknown) => e as MysqlTlsError,
      );
      assert.equal(failure.code, 'tls-hostname-mismatch');
      assert.equal(explainAdminConnectError('proxysqlAdmin', failure).fix, AUTO_CERTIFICATE_EXPLANATION);
      assert.equal(explainAdminConnectError(undefined, failure), failure, 'other connections keep the usual advice');
    } finally {
      await standIn.close();
    }
  });

  it('defaults: VERIFY_CA with a reachable CA file, REQUIRED without', () => {
    assert.deepEqual(defaultAdminSsl('/var/lib/proxysql/proxysql-ca.pem'), { mode: 'VERIFY_CA', ca: '/var/lib/proxysql/proxysql-ca.pem' });
    assert.deepEqual(defaultAdminSsl(undefined), { mode: 'REQUIRED' });
    assert.equal(isProxysqlAutoCertificate({ subject: 'CN=db.example.com' }), false);
  });
});
