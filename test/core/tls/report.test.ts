import assert from 'node:assert/strict';
import { TLSSocket } from 'node:tls';
import { describe, it } from 'node:test';
import { openSession } from '../../../src/core/mysql/session';
import { tlsFacts } from '../../../src/core/presentation/connectionPresentation';
import { renderTlsDetailsBody } from '../../../src/core/presentation/tlsDetailsHtml';
import { formatReport } from '../../../src/core/tls/formatReport';
import { planTls } from '../../../src/core/tls/tlsPlan';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

// The report of a session is built from the socket at connect; the server's own view is asked on demand and
// the certificate chain is described when first read. These tests pin what that laziness must not change.
describe('TLS report: server view on demand, chain described when read', () => {
  const sb = loadSandbox();
  const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });

  it('connecting does not ask the server; serverView() asks once and completes the report', async () => {
    const s = await openSession({ profile, secrets });
    try {
      const before = s.report;
      assert.equal(before.server.pending, true);
      assert.equal(before.server.reported, false);
      assert.deepEqual(before.agreement, { reported: false, protocol: false, cipher: false });
      assert.match(formatReport(before, profile.user), /server not asked/);
      assert.ok(tlsFacts(before).some((f) => f.tooltip === 'Server: Ssl_cipher=(not asked yet)'));
      assert.match(renderTlsDetailsBody({ name: 'x', profile, state: 'connected', report: before }), /not asked yet/);

      const first = s.serverView();
      assert.equal(s.serverView(), first, 'one question per session');
      const after = await first;
      assert.equal(s.report, after);
      assert.equal(after.server.pending, undefined);
      assert.equal(after.server.sslVersion, after.protocol);
      assert.deepEqual(after.agreement, { reported: true, protocol: true, cipher: true });
      assert.doesNotMatch(formatReport(after, profile.user), /not asked|DIFFER/);
      // Everything from the socket carries over unchanged.
      assert.equal(after.security, before.security);
      assert.equal(after.cipher?.name, before.cipher?.name);
      assert.deepEqual(after.peerChain, before.peerChain);
      assert.equal(before.server.pending, true, 'the earlier report object is not changed under its readers');
    } finally {
      await s.close();
    }
  });

  it('the chain is complete when read after the session closed, and in JSON', async () => {
    const s = await openSession({ profile, secrets });
    await s.close();
    const r = s.report;
    assert.equal(r.peerChain.length, 2, 'server certificate and the sandbox CA');
    assert.match(r.peerChain[0]!.subject, /CN=mysql-tls sandbox server/);
    assert.ok(r.peerChain[0]!.subjectAltNames.includes('IP Address:127.0.0.1'));
    assert.match(r.peerChain[1]!.subject, /CN=mysql-tls sandbox CA/);
    const json = JSON.parse(JSON.stringify(r)) as typeof r;
    assert.deepEqual(
      json.peerChain.map((c) => c.fingerprintSha256),
      r.peerChain.map((c) => c.fingerprintSha256),
    );
    assert.deepEqual({ ...r }.peerChain, r.peerChain);
  });

  it('a resumed session reports the chain of the handshake it resumes, read or not', async () => {
    const plan = await planTls({ profile, secrets });
    const full = await openSession({ profile, secrets, plan });
    await full.close();
    const resumed = await openSession({ profile, secrets, plan });
    await resumed.close();
    assert.equal(full.report.sessionReused, false);
    assert.equal(resumed.report.sessionReused, true);
    // The resumed report is read first: the full handshake's chain has not been described yet.
    assert.equal(resumed.report.peerChain.length, 2);
    assert.deepEqual(resumed.report.peerChain, full.report.peerChain);
    assert.equal(resumed.report.verification.chain, 'verified');
    assert.equal(resumed.report.verification.host, 'verified');
  });

  it('VERIFY_CA works out the host verdict when read, also after the session closed, from the certificate it saw', async () => {
    const right = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_CA' });
    const wrong = sandboxProfile(sb, 'wronghost', 'app_none', { mode: 'VERIFY_CA' });
    const ok = await openSession({ profile: right.profile, secrets: right.secrets });
    const bad = await openSession({ profile: wrong.profile, secrets: wrong.secrets });
    await ok.close();
    await bad.close();
    assert.equal(ok.report.verification.chain, 'verified');
    assert.equal(ok.report.verification.host, 'verified');
    assert.equal(ok.report.verification.hostError, undefined);
    assert.equal(bad.report.verification.chain, 'verified', 'the wronghost certificate comes from the sandbox CA');
    assert.equal(bad.report.verification.host, 'failed', 'its name is db.wrong-host.invalid, not 127.0.0.1');
    assert.match(bad.report.verification.hostError ?? '', /127\.0\.0\.1/);
    assert.equal(JSON.parse(JSON.stringify(bad.report)).verification.host, 'failed', 'in JSON too');
    assert.equal(bad.report.peerChain.length, 2);
  });

  // Counts the chain copies (getPeerX509Certificate re-parses every certificate after the leaf) while `fn` runs.
  async function countingChainCopies<T>(fn: (copies: () => number) => Promise<T>): Promise<T> {
    const proto = TLSSocket.prototype as unknown as { getPeerX509Certificate: (this: TLSSocket) => unknown };
    const original = proto.getPeerX509Certificate;
    let copies = 0;
    proto.getPeerX509Certificate = function (this: TLSSocket) {
      copies++;
      return original.call(this);
    };
    try {
      return await fn(() => copies);
    } finally {
      proto.getPeerX509Certificate = original;
    }
  }

  for (const mode of ['VERIFY_IDENTITY', 'VERIFY_CA', 'REQUIRED'] as const) {
    it(`${mode}: connecting copies no certificate; the first command takes the chain once, kept after close`, async () => {
      const { profile: p, secrets: sec } = sandboxProfile(sb, 'tls', 'app_none', { mode });
      await countingChainCopies(async (copies) => {
        const s = await openSession({ profile: p, secrets: sec });
        try {
          assert.equal(s.report.sessionReused, false);
          assert.equal(copies(), 0, 'the connect itself does not copy the chain');
          await s.query('SELECT 1');
          assert.equal(copies(), 1, 'taken while the first command waited for the server');
          await s.query('SELECT 2');
        } finally {
          await s.close();
        }
        assert.equal(copies(), 1, 'once per session');
        assert.equal(s.report.peerChain.length, 2);
        assert.equal(s.report.verification.host, 'verified');
        if (mode === 'REQUIRED') assert.ok(s.report.hints.some((h) => /would pass VERIFY_IDENTITY/.test(h)));
        assert.equal(copies(), 1, 'reading the report copies nothing more');
      });
    });
  }

  it('the chain of a session the server killed is still there after its socket closed', async () => {
    const s = await openSession({ profile, secrets });
    const ended = new Promise<unknown>((resolve) => s.onEnd(resolve));
    const admin = await openSession({ profile, secrets });
    try {
      await admin.query(`KILL CONNECTION ${s.threadId}`);
    } finally {
      await admin.close();
    }
    await ended;
    const socket = (s.connection as unknown as { stream: TLSSocket }).stream;
    if (!socket.closed) await new Promise((resolve) => socket.once('close', resolve));
    assert.equal(s.isOpen, false);
    assert.equal(s.report.peerChain.length, 2, 'taken when the server ended the session, before the socket went');
    assert.match(s.report.peerChain[0]!.subject, /CN=mysql-tls sandbox server/);
  });

  it('REQUIRED says at connect whether VERIFY_IDENTITY would pass', async () => {
    const wrong = sandboxProfile(sb, 'wronghost', 'app_none', { mode: 'REQUIRED' });
    const s = await openSession({ profile: wrong.profile, secrets: wrong.secrets });
    await s.close();
    assert.equal(s.report.verification.host, 'failed');
    assert.ok(s.report.hints.some((h) => /REQUIRED does not verify the server/.test(h)));
  });
});
