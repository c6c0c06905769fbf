/**
 * Hostile strings (from a server, a certificate, a settings file) through every renderer that shows them:
 * they must come out inert. Markdown is rendered with markdown-it, the renderer of VS Code's Markdown
 * preview (it comes with @vscode/vsce), configured as the preview is (HTML and linkify on), so "inert" is
 * checked on what the user would see, not only on the raw text.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { ConnectionStatus } from '../../../src/core/connections/connectionRegistry';
import { MysqlTlsError } from '../../../src/core/errors';
import { openSession } from '../../../src/core/mysql/session';
import { invalidConnectionTooltipMarkdown, tlsSummaryMarkdown } from '../../../src/core/presentation/connectionPresentation';
import { escapeHtml, escapeMarkdown, markdownCodeBlock, markdownCodeSpan, plainTextLine } from '../../../src/core/presentation/escape';
import { renderTlsDetailsBody } from '../../../src/core/presentation/tlsDetailsHtml';
import type { ServerEntry } from '../../../src/core/proxysql/tlsState';
import { proxysqlServerTooltipMarkdown } from '../../../src/core/proxysql/tooltips';
import { renderAuditMarkdown, type ServerTlsAudit } from '../../../src/core/server/audit';
import { formatReport } from '../../../src/core/tls/formatReport';
import type { TlsReport } from '../../../src/core/tls/tlsReport';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

interface MarkdownIt {
  render(src: string): string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const markdownIt = require('markdown-it') as (options: { html: boolean; linkify: boolean }) => MarkdownIt;
const md = markdownIt({ html: true, linkify: true });

const ROOT = path.resolve(__dirname, '../../../..');

/** One of each: raw HTML, a command link, an image, an autolink, a bare link, code and table breakers, emphasis, an icon, a heading/list start. */
const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '[link](command:mysqlTls.removeConnection)',
  '![i](https://tracker.example/p.png)',
  '<command:mysqlTls.removeConnection>',
  'https://evil.example/x www.evil.example',
  '`code` ``two`` |pipe|',
  '*bold* _em_ ~~strike~~',
  '$(trash) icon',
  'line1\n# heading\n- item\n| a | b |\n\n---',
  '&lt;script&gt; &#60;b&#62;',
];
const ALL = HOSTILE.join(' ');

/** What a rendered Markdown fragment must never contain. */
function assertInert(html: string, where: string): void {
  assert.doesNotMatch(
    html,
    /<img|<script|<a[\s>]|<em>|<strong>bold|<del>|<s>|<b>|<hr|>heading<|<li>item|<code>code<|<code>two</i,
    `${where}: live markup in\n${html}`,
  );
  assert.doesNotMatch(html, /href=|src=["']|command:mysqlTls\.removeConnection"/i, `${where}: live link in\n${html}`);
}

/** The cells of each table row in rendered HTML. */
function tableShape(html: string): number[] {
  return [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => (m[1]!.match(/<t[dh][\s>]/g) ?? []).length);
}

describe('escape primitives', () => {
  it('escapeMarkdown: each hostile string renders as its own text, on one line, with no markup', () => {
    for (const s of HOSTILE) {
      const out = escapeMarkdown(s);
      assert.ok(!out.includes('\n'), `newline kept: ${out}`);
      const html = md.render(`Value: ${out}`);
      assertInert(html, s);
      // Shown as the same characters (newlines as spaces), HTML-escaped by the renderer.
      assert.equal(html, `<p>Value: ${escapeHtml(s.replace(/\n+/g, ' '))}</p>\n`);
    }
  });

  it('escapeMarkdown in a table cell keeps the table shape', () => {
    const rows = HOSTILE.map((s) => `| ${escapeMarkdown(s)} | x |`);
    const html = md.render(['| a | b |', '|---|---|', ...rows].join('\n'));
    assertInert(html, 'table');
    assert.deepEqual(tableShape(html), [2, ...HOSTILE.map(() => 2)]);
  });

  it('markdownCodeSpan: verbatim, whatever backticks it holds; | escaped in tables', () => {
    for (const s of [...HOSTILE, '`', '``a`', 'a`', ' ` ']) {
      const html = md.render(`x ${markdownCodeSpan(s)} y`);
      assert.equal(html, `<p>x <code>${escapeHtml(s.replace(/\n+/g, ' '))}</code> y</p>\n`, `code span of ${JSON.stringify(s)}`);
    }
    const table = md.render(['| a | b |', '|---|---|', `| ${markdownCodeSpan('TLS|v1.3', { inTable: true })} | x |`].join('\n'));
    assert.deepEqual(tableShape(table), [2, 2]);
    assert.match(table, /<code>TLS\|v1\.3<\/code>/);
  });

  it('markdownCodeBlock: a fence the content cannot close', () => {
    const html = md.render(`${markdownCodeBlock("ALTER USER 'x'@'%'\n```\n<img src=x onerror=alert(1)>\n````", 'sql')}\n\nafter`);
    assertInert(html, 'code block');
    assert.match(html, /<pre><code class="language-sql">ALTER USER 'x'@'%'\n```\n&lt;img src=x onerror=alert\(1\)&gt;\n````\n<\/code><\/pre>\n<p>after<\/p>/);
  });

  it('plainTextLine: terminal escapes and line breaks become visible escapes', () => {
    assert.equal(plainTextLine('a\x1b[2J\nb\r\u202ec\u0007'), 'a\\x1B[2J\\nb\\r\\u202Ec\\x07');
    assert.equal(plainTextLine('TLSv1.3 TLS_AES_256_GCM_SHA384 ä'), 'TLSv1.3 TLS_AES_256_GCM_SHA384 ä');
  });

  it('escapeHtml neutralises tags and both quote kinds', () => {
    assert.equal(escapeHtml(`<img src="x" onerror='y'>&`), '&lt;img src=&quot;x&quot; onerror=&#39;y&#39;&gt;&amp;');
  });
});

describe('renderers with hostile server and settings values', () => {
  const sb = loadSandbox();
  let hostile: TlsReport;
  before(async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    const session = await openSession({ profile, secrets });
    const real = await session.serverView().finally(() => session.close());
    // A real report, with every server-supplied string replaced by a hostile one.
    const leaf = real.peerChain[0]!;
    hostile = {
      ...real,
      serverVersion: `10.11${ALL}`,
      server: { ...real.server, reported: true, pending: false, sslVersion: `TLSv1.3|${HOSTILE[0]}`, sslCipher: `x|y\n| injected | row |` },
      peerChain: [{ ...leaf, subject: `CN=${HOSTILE[0]}`, issuer: `CN=${HOSTILE[1]}`, subjectAltNames: [`DNS:${HOSTILE[2]}`] }],
      verification: { ...real.verification, chainError: HOSTILE[3], hostError: HOSTILE[8] },
      hints: [ALL],
    };
  });
  const profile = { host: '<img src=x onerror=alert(1)>', user: '[u](command:mysqlTls.removeConnection)', ssl: { mode: 'VERIFY_IDENTITY' as const } };

  it('connection tooltip (tree, status bar, query editor): inert, and the socket/server table keeps its shape', () => {
    const status: ConnectionStatus = { id: 'c', state: 'connected', report: hostile, since: new Date() };
    const text = tlsSummaryMarkdown(`Prod ${HOSTILE[1]}`, profile, status);
    const html = md.render(text);
    assertInert(html, 'tlsSummaryMarkdown');
    assert.deepEqual(tableShape(html), [3, 3, 3]);
    const err: ConnectionStatus = { id: 'c', state: 'error', error: new MysqlTlsError('tls-hostname-mismatch', ALL), since: new Date() };
    assertInert(md.render(tlsSummaryMarkdown(ALL, profile, err)), 'error tooltip');
  });

  it('invalid connection tooltip (the settings file quotes hostile values)', () => {
    const html = md.render(
      invalidConnectionTooltipMarkdown({
        scope: 'workspace',
        problems: [{ severity: 'error', scope: 'workspace', index: 0, field: 'ssl.ca`x', message: `cannot read "${ALL}"` }],
      }),
    );
    assertInert(html, 'invalid connection');
    assert.equal((html.match(/<li>/g) ?? []).length, 1, 'one problem, one list item');
  });

  it('ProxySQL server tooltip: host name and status from the admin interface', () => {
    const row = { hostgroupId: 10, hostname: HOSTILE[1]!, port: 3306, status: ALL, weight: 1, maxConnections: 10, useSsl: true, comment: '' };
    const entry: ServerEntry = { hostgroupId: 10, hostname: `${HOSTILE[0]}${HOSTILE[1]}`, port: 3306, key: 'k', memory: row, runtime: row, pending: [] };
    const html = md.render(proxysqlServerTooltipMarkdown(entry));
    assertInert(html, 'proxysql tooltip');
    assert.equal((html.match(/<li>/g) ?? []).length, 3, 'the three layers, and no injected list item');
    assert.match(html, /<strong>&lt;img src=x onerror=alert\(1\)&gt;\[link\]\(command:mysqlTls\.removeConnection\):3306<\/strong>/);
  });

  it('server audit report: accounts, hosts, channels, version, error texts and the title', () => {
    const audit: ServerTlsAudit = {
      flavor: 'mariadb',
      version: `10.11 ${HOSTILE[0]}`,
      generatedAt: '2026-01-01T00:00:00.000Z',
      variables: {},
      status: {},
      findings: [{ id: 'replication-tls', severity: 'critical', title: HOSTILE[1]!, detail: ALL, fix: HOSTILE[8], measured: false }],
      accounts: [
        { user: `${HOSTILE[5]}\n| x | y | z |`, host: HOSTILE[0]!, requirement: { type: 'SPECIFIED', subject: HOSTILE[2] }, locked: false, local: false },
      ],
      replication: [{ channel: HOSTILE[1]!, host: HOSTILE[4]!, sslAllowed: false, sslVerifyServerCert: false }],
    };
    const html = md.render(renderAuditMarkdown(audit, `Server TLS audit: ${HOSTILE[1]}`));
    assertInert(html, 'audit');
    assert.deepEqual(tableShape(html), [4, 4, 3, 3, 4, 4]);
    assert.match(html, /<h1>Server TLS audit: \[link\]\(command:mysqlTls\.removeConnection\)<\/h1>/);
  });

  it('TLS details webview: every interpolated value escaped', () => {
    const html = renderTlsDetailsBody({
      name: ALL,
      profile: { ...profile, ssl: { mode: 'VERIFY_IDENTITY', ca: HOSTILE[0] } },
      state: 'connected',
      report: hostile,
    });
    assert.ok(!/<img|<script|<a[\s>]/i.test(html), html);
    for (const needle of ['&lt;img src=x onerror=alert(1)&gt;', 'CN=&lt;img', '[link](command:mysqlTls.removeConnection)'])
      assert.ok(html.includes(needle), `${needle} missing`);
    const withError = renderTlsDetailsBody({
      name: 'x',
      profile,
      state: 'error',
      error: { code: 'unknown', title: HOSTILE[0]!, detail: HOSTILE[0]!, fix: HOSTILE[0]!, field: HOSTILE[0] },
    });
    assert.ok(!/<img/i.test(withError), withError);
  });

  it('plain-text report (CLI, Copy Report): no terminal escapes, no injected lines', () => {
    const report = { ...hostile, serverVersion: '10.11\x1b]0;owned\x07\x1b[2J', hints: ['fine\nhint       injected line'] };
    const text = formatReport(report, 'app\x1b[31m');
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(text), JSON.stringify(text));
    assert.ok(text.includes('\\x1B]0;owned\\x07\\x1B[2J'));
    assert.ok(
      text.split('\n').every((line, i) => i === 0 || line.startsWith('  ')),
      `a value started a line of its own:\n${text}`,
    );
  });

  it('results webview: cells, headers, tabs and messages are set as text, never as HTML', () => {
    const script = readFileSync(path.join(ROOT, 'media', 'results.js'), 'utf8');
    assert.doesNotMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment/);
    assert.match(script, /el\.textContent = text\.replace/);
    assert.match(script, /n\.textContent = name;/);
  });
});
