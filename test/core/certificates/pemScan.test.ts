import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCertificates, pemBlocks, readSettingFile } from '../../../src/core/certificates/pemFiles';
import { planTls } from '../../../src/core/tls/tlsPlan';
import { classified, tempDir } from './fixtures';

/** The expression pemBlocks replaced; same blocks, but quadratic on BEGIN lines without an END. */
const OLD_PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const byRegex = (text: string) => [...text.matchAll(OLD_PEM_BLOCK)].map((m) => ({ label: m[1]!, text: m[0] }));

/** A small deterministic PRNG, so a failing case can be reproduced from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Whole markers (so blocks do occur) and their fragments (so near-misses occur too).
const PIECES = [
  '-----BEGIN A-----\n',
  '-----BEGIN B-----\r\n',
  '-----BEGIN X 1-----\n',
  '-----BEGIN A-----',
  '-----END A-----',
  '-----END B-----',
  '-----END X 1-----',
  '-----BEGIN ',
  '-----END ',
  '-----',
  '------',
  'A',
  'B',
  'X 1',
  ' ',
  '\n',
  '\r\n',
  '\r',
  'MIIB',
  '-',
  'a',
];

describe('PEM scanning', () => {
  const tmp = tempDir('mysql-tls-pem-');
  after(() => tmp.remove());

  it('finds the same blocks as the regular expression it replaced, on 5000 random texts', () => {
    const rand = prng(20240611);
    let withBlocks = 0;
    for (let n = 0; n < 5000; n++) {
      let text = '';
      const len = 1 + Math.floor(rand() * 40);
      for (let i = 0; i < len; i++) text += PIECES[Math.floor(rand() * PIECES.length)];
      const expected = byRegex(text);
      assert.deepEqual(pemBlocks(text), expected, `case ${n}: ${JSON.stringify(text)}`);
      if (expected.length) withBlocks++;
    }
    assert.ok(withBlocks > 1000, `only ${withBlocks} random texts held a block`);
  });

  it('handles the shapes real files have: several blocks, CRLF, text around and between blocks, nesting', () => {
    const texts = [
      '# comment\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\njunk\n-----BEGIN PRIVATE KEY-----\r\nMIIE\r\n-----END PRIVATE KEY-----\r\n',
      '-----BEGIN A-----\n-----BEGIN B-----\nx\n-----END B-----\n-----END A-----\n',
      '-----BEGIN A-----\n-----BEGIN B-----\nx\n-----END A-----\n-----END B-----\n',
      '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----',
      '-----BEGIN CERTIFICATE----- \nMIIB\n-----END CERTIFICATE-----\n',
    ];
    for (const t of texts) assert.deepEqual(pemBlocks(t), byRegex(t), JSON.stringify(t));
    assert.deepEqual(
      pemBlocks(texts[0]!).map((b) => b.label),
      ['CERTIFICATE', 'PRIVATE KEY'],
    );
  });

  it('scans multi-megabyte files of BEGIN lines without an END in linear time', () => {
    // Run in a child process so that a quadratic scan is stopped by the hang guard instead of blocking
    // this test runner for minutes; the 20 s guard is some hundred times the linear scan's time.
    const script = `
      const { pemBlocks } = require(${JSON.stringify(require.resolve('../../../src/core/certificates/pemFiles'))});
      const same = '-----BEGIN X-----\\n'.repeat(250000);
      const distinct = Array.from({ length: 150000 }, (_, i) => '-----BEGIN L' + i + '-----\\n').join('');
      const oneEnd = same + 'MIIB\\n-----END X-----\\n';
      const lastValid = same + '-----BEGIN Y-----\\nMIIB\\n-----END Y-----\\n';
      const r = [same, distinct, oneEnd, lastValid].map((t) => ({ mb: t.length / 1e6, blocks: pemBlocks(t).map((b) => [b.label, b.text.length]) }));
      process.stdout.write(JSON.stringify(r));
    `;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000, maxBuffer: 1 << 20 });
    assert.equal(run.signal, null, `the scan did not finish within the hang guard (${run.signal})`);
    assert.equal(run.status, 0, run.stderr);
    const [same, distinct, oneEnd, lastValid] = JSON.parse(run.stdout) as { mb: number; blocks: [string, number][] }[];
    assert.ok(same!.mb > 4 && distinct!.mb > 2.5, 'the inputs are megabytes');
    assert.deepEqual(same!.blocks, []);
    assert.deepEqual(distinct!.blocks, []);
    // The first BEGIN X pairs with the only END X, so the one block spans the whole text (as the regex did).
    assert.deepEqual(oneEnd!.blocks, [['X', same!.mb * 1e6 + 'MIIB\n-----END X-----'.length]]);
    assert.deepEqual(lastValid!.blocks, [['Y', '-----BEGIN Y-----\nMIIB\n-----END Y-----'.length]]);
  });

  it('a 0.9 MB CA file of BEGIN lines is refused as holding no PEM block', async () => {
    const file = path.join(tmp.dir, 'begins.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\n'.repeat(33000));
    await assert.rejects(planTls({ profile: { host: 'h', user: 'u', ssl: { mode: 'VERIFY_CA', ca: file } } }), classified('file-garbage', 'ssl.ca'));
    assert.throws(() => parseCertificates(Buffer.from('-----BEGIN X-----\n'.repeat(1000)), 'f', 'ssl.cert'), classified('file-garbage', 'ssl.cert'));
    assert.ok((await readSettingFile(file, 'ssl.ca')).length > 900_000);
  });
});
