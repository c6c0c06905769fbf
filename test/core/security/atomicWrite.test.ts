/**
 * Generated and imported files are written to a new file and renamed into place: a symbolic link, another
 * user's file or an existing world-readable file never receives a private key, and only the files the user
 * confirmed are replaced.
 */
import assert from 'node:assert/strict';
import { chownSync, linkSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { certificateSetFiles, generateCertificateSet } from '../../../src/core/certificates/generateSet';
import { writeFileAtomic } from '../../../src/core/files/atomicWrite';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-atomic-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const KEY = '-----BEGIN PRIVATE KEY-----\nSECRET\n-----END PRIVATE KEY-----\n';

describe('atomic, non-following writes', () => {
  it('a symlinked target is refused and the file it points at is untouched', async () => {
    const victim = path.join(tmp, 'victim.txt');
    writeFileSync(victim, 'victim data');
    const link = path.join(tmp, 'client-key.pem');
    symlinkSync(victim, link);
    await assert.rejects(writeFileAtomic(link, KEY, { mode: 0o600, overwrite: true }), (e: { code?: string }) => e.code === 'file-unsafe');
    assert.equal(readFileSync(victim, 'utf8'), 'victim data');
    assert.ok(lstatSync(link).isSymbolicLink());
  });

  it('an existing 0644 file is replaced by a new 0600 file: the old inode never holds the key', async () => {
    const file = path.join(tmp, 'server-key.pem');
    writeFileSync(file, 'old', { mode: 0o644 });
    const spy = path.join(tmp, 'spy'); // a second name for the old inode, as another reader could hold it open
    linkSync(file, spy);
    const before = statSync(file).ino;
    await writeFileAtomic(file, KEY, { mode: 0o600, overwrite: true });
    assert.equal(readFileSync(file, 'utf8'), KEY);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.notEqual(statSync(file).ino, before, 'a new file, not the old one truncated');
    assert.equal(readFileSync(spy, 'utf8'), 'old', 'the old inode never received the key');
  });

  it("another user's file is refused", async () => {
    const file = path.join(tmp, 'ca-key.pem');
    writeFileSync(file, 'theirs', { mode: 0o666 });
    chownSync(file, 65534, 65534); // the tests run as root; nobody owns it now
    await assert.rejects(
      writeFileAtomic(file, KEY, { mode: 0o600, overwrite: true }),
      (e: { code?: string; detail?: string }) => e.code === 'file-unsafe' && /another user/.test(e.detail ?? ''),
    );
    assert.equal(readFileSync(file, 'utf8'), 'theirs');
  });

  it('without overwrite an existing file is an error, even one created after the check', async () => {
    const file = path.join(tmp, 'ca.pem');
    writeFileSync(file, 'existing');
    await assert.rejects(writeFileAtomic(file, 'new', { mode: 0o644, overwrite: false }), (e: { code?: string }) => e.code === 'file-exists');
    assert.equal(readFileSync(file, 'utf8'), 'existing');
    assert.deepEqual(
      readdirSync(tmp).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file is left behind',
    );
  });

  it('generating a set replaces exactly the confirmed files: a symlinked client-key.pem is refused, nothing written through it', async () => {
    const dir = mkdtempSync(path.join(tmp, 'set-'));
    const files = certificateSetFiles(dir);
    const victim = path.join(tmp, 'victim-2.txt');
    writeFileSync(victim, 'victim data');
    symlinkSync(victim, files.clientKey);
    await assert.rejects(
      generateCertificateSet({ outputDir: dir, dnsNames: ['db.example'], key: { type: 'ecdsa', curve: 'P-256' }, overwrite: [files.clientKey] }),
      (e: { code?: string }) => e.code === 'file-unsafe',
    );
    assert.equal(readFileSync(victim, 'utf8'), 'victim data');
  });

  it('generating a set refuses a file that was not in the confirmation', async () => {
    const dir = mkdtempSync(path.join(tmp, 'set-'));
    const files = certificateSetFiles(dir);
    writeFileSync(files.ca, 'confirmed');
    writeFileSync(files.serverKey, 'appeared after the confirmation');
    await assert.rejects(
      generateCertificateSet({ outputDir: dir, dnsNames: ['db.example'], key: { type: 'ecdsa', curve: 'P-256' }, overwrite: [files.ca] }),
      (e: { code?: string; detail?: string }) => e.code === 'file-exists' && e.detail!.includes('server-key.pem') && !e.detail!.includes('ca.pem,'),
    );
    assert.equal(readFileSync(files.serverKey, 'utf8'), 'appeared after the confirmation');
  });
});
