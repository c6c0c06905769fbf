import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tlsSummaryMarkdown } from '../../../src/core/presentation/connectionPresentation';
import { describeSshRoute, describeSshSettings, sshTestStep } from '../../../src/core/presentation/sshRoute';
import { renderTlsDetailsBody } from '../../../src/core/presentation/tlsDetailsHtml';

const bastion = { host: 'bastion', port: 22, user: 'deploy', keyType: 'ssh-ed25519', typeLabel: 'ED25519', fingerprint: 'SHA256:abc' };

describe('the SSH hop in words', () => {
  it('a verified route names user, host, port, key type and fingerprint; a jump host comes first', () => {
    assert.equal(describeSshRoute({ hops: [bastion] }), 'via deploy@bastion:22 (ED25519 SHA256:abc)');
    assert.equal(
      describeSshRoute({ hops: [{ ...bastion, host: 'jump', port: 2200 }, bastion] }),
      'via deploy@jump:2200 (ED25519 SHA256:abc) → deploy@bastion:22 (ED25519 SHA256:abc)',
    );
    assert.equal(describeSshRoute(undefined), undefined);
    assert.equal(describeSshSettings({ host: 'b', user: 'u', jump: { host: 'j', user: 'v' } }), 'via v@j:22 → u@b:22');
  });

  it('the tree and status bar tooltip show the configured hop, and the verified one once connected', () => {
    const profile = { host: 'db.internal', user: 'app', ssh: { host: 'bastion', user: 'deploy' } };
    const idle = tlsSummaryMarkdown('Prod', profile, { id: 'p', state: 'disconnected', since: new Date() });
    assert.ok(idle.includes('via deploy@bastion:22'), idle);
    const report = { ssh: { hops: [bastion] } } as unknown as import('../../../src/core/tls/tlsReport').TlsReport;
    const connected = tlsSummaryMarkdown('Prod', profile, {
      id: 'p',
      state: 'connected',
      since: new Date(),
      report: { ...report, security: 'plaintext', encrypted: false, fallback: false, server: { reported: false, sslVersion: '', sslCipher: '' } } as never,
    });
    assert.ok(connected.includes('via deploy@bastion:22 (ED25519 SHA256:abc)'), connected);
  });

  it('the TLS details show the route, escaped: as configured before a session, with the accepted host key after', () => {
    const profile = { host: 'db.internal', user: 'app', ssh: { host: 'bastion', user: 'de<b>ploy' } };
    const idle = renderTlsDetailsBody({ name: 'Prod', profile, state: 'disconnected' } as never);
    assert.match(idle, /<h2>Route<\/h2><p class="route">via de&lt;b&gt;ploy@bastion:22<\/p>/);
    assert.doesNotMatch(idle, /de<b>ploy/);
    const direct = renderTlsDetailsBody({ name: 'Direct', profile: { host: 'db', user: 'app' }, state: 'disconnected' } as never);
    assert.doesNotMatch(direct, /<h2>Route<\/h2>/);
  });

  it('Test Connection names the SSH step apart from the TLS step', () => {
    const ssh = { host: 'bastion', user: 'deploy' };
    assert.equal(sshTestStep(undefined, { ok: false, error: { code: 'ssh-auth-failed' } }), undefined);
    assert.equal(
      sshTestStep(ssh, { ok: true, report: { ssh: { hops: [bastion] } } }),
      'SSH step: passed, via deploy@bastion:22 (ED25519 SHA256:abc) (host key known)',
    );
    assert.equal(sshTestStep(ssh, { ok: false, error: { code: 'ssh-host-key-changed' } }), 'SSH step: failed');
    assert.equal(
      sshTestStep(ssh, { ok: false, error: { code: 'tls-hostname-mismatch' } }),
      'SSH step: passed (via deploy@bastion:22); the TLS/MySQL step failed',
    );
  });
});
