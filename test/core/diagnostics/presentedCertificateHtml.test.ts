/**
 * The Server Certificate page shows fields a server chose (subject, issuer, SANs): a hostile certificate must be
 * shown as the characters it contains, never become markup, and the page keeps a strict CSP.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCa, issueCertificate } from '../../../src/core/certificates/generate';
import {
  renderPresentedCertificateBody,
  renderPresentedCertificatePage,
  isPresentedCertificateRequest,
} from '../../../src/core/presentation/presentedCertificateHtml';
import { analyzePresentedChain, SECOND_HANDSHAKE_NOTE } from '../../../src/core/tls/presentedCertificate';

// Node shows `<` and `>` in a name with a backslash before them (RFC 2253): the markup is still there.
const HOSTILE = '<img src=x onerror=alert(1)\\>';

describe('the presented-certificate page', () => {
  it('escapes a hostile subject, issuer and SAN, and still names them', async () => {
    // @peculiar/x509 parses RFC 4514: the special characters are backslash-escaped here and arrive literally in the certificate.
    const ca = await createCa({ subject: 'CN=\\<script\\>alert(1)\\</script\\> CA' });
    const leaf = await issueCertificate({
      issuer: ca,
      subject: 'CN=\\<img src\\=x onerror\\=alert(1)\\>',
      usage: 'server',
      dnsNames: ['"><svg onload=alert(2)>'],
    });
    assert.equal(new X509Certificate(leaf.certPem).subject, `CN=\\${HOSTILE}`, 'the certificate really carries the markup');
    const analysis = analyzePresentedChain({
      host: 'db.example.test',
      port: 3306,
      verifyName: 'db.example.test',
      fetched: { certificates: [new X509Certificate(leaf.certPem).raw, new X509Certificate(ca.certPem).raw], serverVersion: '<b>8.0</b>' },
      trust: { caSource: 'none', caPems: [] },
    });
    const body = renderPresentedCertificateBody({ connectionName: '<i>Orders</i>', analysis, scope: 'workspace', failure: { title: 't', detail: '<u>x</u>' } });
    for (const raw of ['<img', '<script', '<svg', '<b>8.0', '<u>x', '<i>Orders']) assert.ok(!body.includes(raw), `${raw} must not appear as markup`);
    assert.ok(body.includes('CN=\\&lt;img src=x onerror=alert(1)\\&gt;'), 'the subject is shown, escaped');
    assert.ok(body.includes('CN=\\&lt;script\\&gt;alert(1)\\&lt;/script\\&gt; CA'), 'the issuer is shown, escaped');
    assert.ok(body.includes('DNS:&quot;\\&quot;&gt;&lt;svg onload=alert(2)&gt;&quot;'), 'the SAN is shown, escaped');
    assert.ok(body.includes(SECOND_HANDSHAKE_NOTE), 'says how it was fetched');
    // The server sent its CA: Trust this CA is offered.
    assert.match(body, /data-action="trustCa"/);
  });

  it('shows the fields, the relation and the auto-generated advice', async () => {
    const ca = await createCa({ subject: 'CN=MySQL_Server_8.4.3_Auto_Generated_CA_Certificate' });
    const leaf = await issueCertificate({ issuer: ca, subject: 'CN=MySQL_Server_8.4.3_Auto_Generated_Server_Certificate', usage: 'server' });
    const der = new X509Certificate(leaf.certPem);
    const analysis = analyzePresentedChain({
      host: 'db1',
      port: 3306,
      verifyName: 'db1',
      fetched: { certificates: [der.raw], serverVersion: '8.4.3' },
      trust: { caSource: 'file', caPath: '/ca.pem', caPems: [ca.certPem] },
    });
    const body = renderPresentedCertificateBody({ connectionName: 'db1', analysis, scope: 'user' });
    assert.match(body, /data-relation="configured"/);
    assert.match(body, /Chains to the configured CA/);
    assert.match(body, /data-auto-generated="MySQL"/);
    assert.match(body, /MySQL auto-generated certificate/);
    assert.match(body, /none: this certificate names no host/);
    assert.ok(body.includes(der.fingerprint256));
    assert.match(body, /does not name db1/);
    assert.match(body, /data-action="generateCertificates"/);
    assert.doesNotMatch(body, /data-action="trustCa"/, 'the server sent no CA: nothing to trust');
  });

  it('has a strict CSP: nothing but the nonce-bearing script and style', () => {
    const html = renderPresentedCertificatePage({
      nonce: 'abc',
      cspSource: 'vscode-resource:',
      viewScriptUri: 'vscode-resource:/media/x.js',
      title: '<t>',
      bodyHtml: '',
    });
    assert.match(html, /content="default-src &#39;none&#39;; style-src &#39;nonce-abc&#39;; script-src &#39;nonce-abc&#39;; font-src vscode-resource:"/);
    assert.equal((html.match(/<script /g) ?? []).length, 1);
    assert.match(html, /<script nonce="abc" src="vscode-resource:\/media\/x\.js">/);
    assert.match(html, /<title>&lt;t&gt;<\/title>/);
  });

  it('accepts only the known webview requests', () => {
    assert.equal(isPresentedCertificateRequest({ type: 'action', action: 'trustCa' }), true);
    assert.equal(isPresentedCertificateRequest({ type: 'ready' }), true);
    assert.equal(isPresentedCertificateRequest({ type: 'action', action: 'runCommand' }), false);
    assert.equal(isPresentedCertificateRequest({ type: 'action', action: { toString: () => 'trustCa' } }), false);
  });
});
