/**
 * known_hosts in OpenSSH's format, checked against OpenSSH's own tools: ssh-keygen writes the keys, hashes the
 * file (-H) and prints the fingerprints (-l) this reader must agree with.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { entryMatches, fingerprintOf, keyTypeLabel, knownKeyTypes, parseKnownHosts, readKnownHostsFile, verifyHostKey } from '../../../src/core/ssh/knownHosts';

function keygen(dir: string, name: string, type = 'ed25519'): { line: string; blob: Buffer; type: string; file: string } {
  const file = path.join(dir, name);
  assert.equal(spawnSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]).status, 0);
  const [t, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/) as [string, string];
  return { line: `${t} ${b64}`, blob: Buffer.from(b64, 'base64'), type: t, file };
}

describe('known_hosts', () => {
  let dir: string;
  let ed: ReturnType<typeof keygen>;
  let ec: ReturnType<typeof keygen>;
  let other: ReturnType<typeof keygen>;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-known-hosts-'));
    ed = keygen(dir, 'ed');
    ec = keygen(dir, 'ec', 'ecdsa');
    other = keygen(dir, 'other');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fingerprints and type labels are what ssh-keygen -l prints', () => {
    for (const k of [ed, ec]) {
      const printed = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${k.file}.pub`], { encoding: 'utf8' }).stdout.trim();
      // "256 SHA256:xxxx comment (ED25519)"
      const [, fp, ...rest] = printed.split(' ');
      assert.equal(fingerprintOf(k.blob), fp);
      assert.equal(`(${keyTypeLabel(k.type)})`, rest[rest.length - 1]);
    }
  });

  it('plain names, [host]:port, wildcards and negation match as in OpenSSH', () => {
    const entries = parseKnownHosts(
      [
        `db.example.com,10.0.0.5 ${ed.line}`,
        `[bastion.example.com]:2222 ${ed.line}`,
        `*.internal,!secret.internal ${ec.line}`,
        '# a comment',
        'garbage line',
        `bad.example.com ssh-ed25519 ${ec.line.split(' ')[1]}`, // type and blob disagree: skipped
      ].join('\n'),
    );
    assert.equal(entries.length, 3);
    assert.ok(entryMatches(entries[0]!, 'DB.example.com', 22), 'case-insensitive host names');
    assert.ok(entryMatches(entries[0]!, '10.0.0.5', 22));
    assert.equal(entryMatches(entries[0]!, 'db.example.com', 2222), false, 'a bare name is for port 22 only');
    assert.ok(entryMatches(entries[1]!, 'bastion.example.com', 2222));
    assert.equal(entryMatches(entries[1]!, 'bastion.example.com', 22), false);
    assert.ok(entryMatches(entries[2]!, 'db.internal', 22));
    assert.equal(entryMatches(entries[2]!, 'secret.internal', 22), false, 'a negated pattern excludes');
  });

  it('hashed entries written by ssh-keygen -H are matched (host and [host]:port), and only for their host', async () => {
    const file = path.join(dir, 'hashed_known_hosts');
    writeFileSync(file, `bastion.example.com ${ed.line}\n[jump.example.com]:2200 ${ec.line}\n`);
    assert.equal(spawnSync('ssh-keygen', ['-H', '-f', file]).status, 0);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes('example.com') && text.startsWith('|1|'), 'the file is hashed');
    const entries = await readKnownHostsFile(file, 'known_hosts');
    assert.equal(verifyHostKey(entries, 'bastion.example.com', 22, ed.blob).status, 'matches');
    assert.equal(verifyHostKey(entries, 'jump.example.com', 2200, ec.blob).status, 'matches');
    assert.equal(verifyHostKey(entries, 'jump.example.com', 22, ec.blob).status, 'unknown');
    assert.equal(verifyHostKey(entries, 'other.example.com', 22, ed.blob).status, 'unknown');
    assert.equal(verifyHostKey(entries, 'bastion.example.com', 22, other.blob).status, 'changed');
  });

  it('verdicts: matches, changed (same host, other key), unknown, @revoked; @cert-authority lines are not host keys', () => {
    const entries = parseKnownHosts(
      [`bastion ${ed.line}`, `@revoked * ${other.line}`, `@cert-authority *.example.com ${ec.line}`, `revoked-too ${other.line}`].join('\n'),
    );
    assert.equal(verifyHostKey(entries, 'bastion', 22, ed.blob).status, 'matches');
    assert.equal(verifyHostKey(entries, 'bastion', 22, ec.blob).status, 'changed');
    assert.equal(verifyHostKey(entries, 'newhost', 22, ed.blob).status, 'unknown');
    assert.equal(verifyHostKey(entries, 'revoked-too', 22, other.blob).status, 'revoked', '@revoked wins over a plain entry');
    assert.equal(verifyHostKey(entries, 'db.example.com', 22, ec.blob).status, 'unknown', 'host certificates are not supported');
    assert.deepEqual(knownKeyTypes(entries, 'bastion', 22), ['ssh-ed25519']);
  });

  it('a missing file is empty; a FIFO or folder named as known_hosts is refused, not waited on', async () => {
    assert.deepEqual(await readKnownHostsFile(path.join(dir, 'absent'), 'ssh.knownHosts'), []);
    const fifo = path.join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    await assert.rejects(readKnownHostsFile(fifo, 'ssh.knownHosts'), (e: Error & { field?: string }) => e.field === 'ssh.knownHosts');
    await assert.rejects(readKnownHostsFile(dir, 'ssh.knownHosts'));
  });
});
