import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ConnectionStatus } from '../../../src/core/connections/connectionRegistry';
import { MysqlTlsError } from '../../../src/core/errors';
import { openSession } from '../../../src/core/mysql/session';
import { checkWords, connectionDescription, statusBarPresentation, tlsFacts, tlsSummaryMarkdown } from '../../../src/core/presentation/connectionPresentation';
import { mysqlCommandLine } from '../../../src/core/presentation/mysqlCommandLine';
import { escapeHtml, renderTlsDetailsBody, renderTlsDetailsPage } from '../../../src/core/presentation/tlsDetailsHtml';
import { isTlsDetailsRequest } from '../../../src/core/presentation/tlsDetailsMessages';
import { formatReport } from '../../../src/core/tls/formatReport';
import type { TlsReport } from '../../../src/core/tls/tlsReport';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

describe('presentation of real sandbox reports', () => {
  const sb = loadSandbox();
  let verified: TlsReport;
  let unverified: TlsReport;
  let plaintext: TlsReport;
  let preferred: TlsReport;

  before(async () => {
    const open = async (server: 'tls' | 'plain', mode: 'VERIFY_IDENTITY' | 'REQUIRED' | 'PREFERRED', noCa = false): Promise<TlsReport> => {
      const { profile, secrets } = sandboxProfile(sb, server, 'app_none', noCa ? { mode, ca: undefined } : { mode });
      const session = await openSession({ profile, secrets });
      return session.serverView().finally(() => session.close());
    };
    verified = await open('tls', 'VERIFY_IDENTITY');
    unverified = await open('tls', 'REQUIRED');
    plaintext = await open('plain', 'PREFERRED');
    // PREFERRED with no CA at all: the sandbox's private CA is not in Node's public roots.
    preferred = await open('tls', 'PREFERRED', true);
  });

  const profile = { id: 'x', name: 'Sandbox', host: '127.0.0.1', port: 43306, user: 'app', ssl: { mode: 'VERIFY_IDENTITY' as const } };
  const status = (report: TlsReport, state: ConnectionStatus['state'] = 'connected'): ConnectionStatus => ({ id: 'x', state, report, since: new Date() });

  it('status bar: the connection name, the state in words with its icon, the protocol; cipher and socket/server comparison in the tooltip', () => {
    const v = statusBarPresentation('Sandbox', profile, status(verified));
    assert.equal(v.text, `$(verified-filled) Sandbox: verified identity · ${verified.protocol}`);
    assert.equal(v.background, 'none');
    assert.equal(v.state, 'verified-identity');
    assert.ok(!v.text.includes(verified.cipher!.name), 'the cipher is in the tooltip, not the text');
    assert.ok(v.tooltipMarkdown.includes(`| cipher | \`${verified.cipher!.name}\` | \`${verified.server.sslCipher}\` (Ssl_cipher) |`), v.tooltipMarkdown);
    assert.ok(v.tooltipMarkdown.includes(`\`${verified.server.sslVersion}\` (Ssl_version)`));
    const u = statusBarPresentation('Sandbox', { ...profile, ssl: { mode: 'REQUIRED' } }, status(unverified));
    assert.equal(u.text, `$(lock) Sandbox: encrypted, not verified · ${unverified.protocol}`);
    assert.equal(u.background, 'warning');
    const p = statusBarPresentation('Sandbox', profile, status(plaintext));
    assert.equal(p.text, '$(unlock) Sandbox: plaintext (the server offers no TLS)');
    assert.equal(p.background, 'warning');
    const e = statusBarPresentation('Sandbox', profile, {
      id: 'x',
      state: 'error',
      error: new MysqlTlsError('tls-hostname-mismatch', 'cert names db.other'),
      since: new Date(),
    });
    assert.equal(e.text, '$(error) Sandbox: failed');
    assert.equal(e.background, 'error');
    assert.equal(statusBarPresentation('Sandbox', profile, { id: 'x', state: 'disconnected', since: new Date() }).text, '$(plug) Sandbox: not connected');
    // A focused query editor: its database and read-only flag.
    assert.equal(
      statusBarPresentation('Sandbox', profile, status(verified), { database: 'orders', readOnly: true }).text,
      `$(verified-filled) Sandbox · orders: verified identity · ${verified.protocol} · read-only`,
    );
  });

  it('PREFERRED without a CA: the chain reads "not checked (no CA)", never "failed"; nothing green next to an unverified session', () => {
    assert.equal(preferred.verification.caSource, 'none');
    assert.equal(checkWords(preferred, 'chain').text, 'not checked (no CA)');
    const md = tlsSummaryMarkdown('Sandbox', { ...profile, ssl: { mode: 'PREFERRED' } }, status(preferred));
    assert.ok(md.includes('Chain: not checked \\(no CA\\)'), md); // Markdown-escaped parentheses
    assert.doesNotMatch(md, /failed/);
    const html = renderTlsDetailsBody({ name: 'Sandbox', profile: { ...profile, ssl: { mode: 'PREFERRED' } }, state: 'connected', report: preferred });
    assert.match(html, /<span class="badge neutral">not checked \(no CA\)<\/span>/);
    assert.doesNotMatch(html, /not-checked|>failed</);
    assert.doesNotMatch(html, /badge ok/, 'no green badge on an encrypted but unverified session');
    assert.match(html, /<span class="badge neutral">agree<\/span>/);
    // The plain-text report (Copy Report, the probe CLI) uses the same words.
    const text = formatReport(preferred, 'app');
    assert.match(text, /chain\s+not checked \(no CA\)/);
    assert.doesNotMatch(text, /failed/);
  });

  it('plaintext: no green anywhere, checks "not checked (no TLS)", no "enforced" badges', () => {
    const html = renderTlsDetailsBody({ name: 'Plain', profile: { ...profile, ssl: { mode: 'PREFERRED' } }, state: 'connected', report: plaintext });
    assert.doesNotMatch(html, /badge ok|tone-ok/, 'green never marks a plaintext session');
    assert.match(html, /<span class="badge bad">plaintext \(not encrypted\)<\/span>/);
    assert.equal((html.match(/not checked \(no TLS\)/g) ?? []).length, 2);
    assert.doesNotMatch(html, /enforced by the mode|not-checked/);
  });

  it('details of a connection never connected or tested say so, without "Test Connection" or raw states', () => {
    const html = renderTlsDetailsBody({ name: 'New', profile, state: 'disconnected' });
    assert.match(html, /not connected, and not tested since VS Code started/);
    assert.doesNotMatch(html, /last Test Connection|not-checked|>disconnected</);
    // A closed session's report is the last session's; a test's is the last Test Connection's.
    assert.match(renderTlsDetailsBody({ name: 'x', profile, state: 'disconnected', report: verified, reportFrom: 'last-session' }), /below: the last session/);
    assert.match(renderTlsDetailsBody({ name: 'x', profile, state: 'disconnected', report: verified, reportFrom: 'test' }), /below: the last Test Connection/);
  });

  it('tree facts: protocol, cipher, verification, certificate expiry', () => {
    const labels = tlsFacts(verified).map((f) => f.label);
    assert.equal(labels[0], `Protocol: ${verified.protocol}`);
    assert.equal(labels[1], `Cipher: ${verified.cipher!.name}`);
    assert.equal(labels[2], 'Verification: verified identity');
    assert.match(labels[3]!, /^Server certificate expires: \d{4}-\d\d-\d\d \(\d+ days? left\)$/);
    assert.equal(tlsFacts(unverified)[2]!.label, 'Verification: not verified');
    assert.equal(tlsFacts(unverified)[2]!.warning, true);
    assert.equal(connectionDescription(profile), '127.0.0.1:43306 · VERIFY_IDENTITY');
  });

  it('details body holds the key facts of a verified connection', () => {
    const html = renderTlsDetailsBody({ name: 'Sandbox', profile, state: 'connected', report: verified });
    const leaf = verified.peerChain[0]!;
    for (const fact of [
      verified.protocol!,
      verified.cipher!.name,
      verified.server.sslCipher,
      verified.server.sslVersion,
      leaf.fingerprintSha256,
      escapeHtml(leaf.subject),
      'VERIFY_IDENTITY',
      'chain and host name verified',
      `${leaf.daysLeft} days left`,
      'enforced by the mode',
    ]) {
      assert.ok(html.includes(fact), `missing ${fact}`);
    }
  });

  it('details body of a failed connection shows the cause, detail and fix', () => {
    const error = new MysqlTlsError(
      'tls-hostname-mismatch',
      "Hostname/IP does not match certificate's altnames: Host: 127.0.0.1. is not in the cert's altnames",
    );
    const html = renderTlsDetailsBody({ name: 'Broken', profile, state: 'error', error });
    assert.ok(html.includes(escapeHtml(error.title)));
    assert.ok(html.includes(escapeHtml(error.detail)));
    assert.ok(html.includes(escapeHtml(error.fix)));
    assert.ok(html.includes('data-action="connect"'));
  });

  it('escapes HTML in every untrusted value', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const report: TlsReport = {
      ...verified,
      peerChain: [{ ...verified.peerChain[0]!, subject: `CN=${evil}`, subjectAltNames: [`DNS:${evil}`] }],
      hints: [evil],
    };
    const html = renderTlsDetailsBody({
      name: evil,
      profile: { ...profile, host: evil, user: `"${evil}` },
      state: 'connected',
      report,
      error: new MysqlTlsError('unknown', evil),
    });
    assert.ok(!html.includes('<img'), 'no raw tag survives');
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  });

  it('the page has a strict CSP with a nonce on every script', () => {
    const page = renderTlsDetailsPage({
      nonce: 'abc123',
      cspSource: 'vscode-resource:',
      elementsScriptUri: 'vscode-resource:/e.js',
      viewScriptUri: 'vscode-resource:/v.js',
      title: 'TLS Details: <x>',
      bodyHtml: '<p>b</p>',
    });
    assert.match(page, /default-src 'none'/);
    assert.match(page, /script-src 'nonce-abc123'/);
    const scripts = page.match(/<script[^>]*>/g) ?? [];
    assert.equal(scripts.length, 2);
    assert.ok(
      scripts.every((s) => s.includes('nonce="abc123"') && s.includes('src=')),
      "only external, nonce'd scripts",
    );
    assert.ok(page.includes('<title>TLS Details: &lt;x&gt;</title>'));
    assert.ok(page.includes('var(--vscode-foreground)'));
  });

  it('accepts only known webview requests', () => {
    assert.ok(isTlsDetailsRequest({ type: 'ready' }));
    assert.ok(isTlsDetailsRequest({ type: 'action', action: 'connect' }));
    assert.ok(!isTlsDetailsRequest({ type: 'action', action: 'rm -rf' }));
    assert.ok(!isTlsDetailsRequest('connect'));
  });
});

describe('mysqlCommandLine', () => {
  it('builds a MySQL 8 command line with expanded paths and no password', () => {
    const line = mysqlCommandLine(
      {
        host: 'db.example.com',
        port: 3307,
        user: "o'brien",
        database: 'shop',
        ssl: { mode: 'VERIFY_IDENTITY', ca: '${workspaceFolder}/ca.pem', cert: '~/c.pem', key: '~/k.pem', minVersion: 'TLSv1.2' },
      },
      { workspaceFolder: '/ws', home: '/home/me' },
      'mysql',
    );
    assert.equal(
      line,
      `mysql --host=db.example.com --port=3307 --user='o'\\''brien' -p --ssl-mode=VERIFY_IDENTITY --ssl-ca=/ws/ca.pem --ssl-cert=/home/me/c.pem --ssl-key=/home/me/k.pem --tls-version=TLSv1.2,TLSv1.3 --database=shop`,
    );
    assert.equal(
      mysqlCommandLine({ host: 'h', user: 'u', ssl: { mode: 'DISABLED', ca: '/x' } }, undefined, 'mysql'),
      'mysql --host=h --port=3306 --user=u -p --ssl-mode=DISABLED',
    );
  });
});
