import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, symlinkSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCa, distinguishedName } from '../../../src/core/certificates/generate';
import { importCaBundle } from '../../../src/core/certificates/importBundle';
import { inspectFile } from '../../../src/core/certificates/inspect';
import { readSettingFile } from '../../../src/core/certificates/pemFiles';
import { CA_BUNDLE_FILE_LIMIT, CERTIFICATE_FILE_LIMIT, readBoundedFile } from '../../../src/core/files/boundedFile';
import { planTls } from '../../../src/core/tls/tlsPlan';
import { classified, tempDir } from '../certificates/fixtures';

/**
 * Files named in settings can be anything an untrusted workspace points at. Each case here is one the
 * review reproduced: a FIFO hung the read forever, /dev/zero grew the process to 6.6 GB.
 */
describe('reading files named in settings', { timeout: 60_000 }, () => {
  const tmp = tempDir('mysql-tls-files-');
  const f = (name: string): string => path.join(tmp.dir, name);
  let caPem = '';
  let socketServer: net.Server | undefined;

  before(async () => {
    const ca = await createCa({ subject: distinguishedName({ commonName: 'Bounded Files CA' }) });
    caPem = ca.certPem;
    writeFileSync(f('ca.pem'), caPem);
    execFileSync('mkfifo', [f('pipe')]);
    symlinkSync(f('ca.pem'), f('link-to-ca.pem'));
    symlinkSync(f('pipe'), f('link-to-pipe'));
    // Sparse files: the size is what matters, no disk is used.
    execFileSync('truncate', ['-s', String(CERTIFICATE_FILE_LIMIT + 1), f('just-over-1mib.pem')]);
    execFileSync('truncate', ['-s', String(CERTIFICATE_FILE_LIMIT), f('exactly-1mib.pem')]);
    execFileSync('truncate', ['-s', String(CA_BUNDLE_FILE_LIMIT + 1), f('over-bundle-limit.pem')]);
    execFileSync('truncate', ['-s', '3G', f('huge.pem')]);
    socketServer = net.createServer();
    await new Promise<void>((resolve) => socketServer!.listen(f('socket'), resolve));
  });

  after(async () => {
    // Should a read ever block on the FIFO, opening its write end releases it so the process can exit.
    try {
      closeSync(openSync(f('pipe'), constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: nobody is reading, which is the expected case.
    }
    await new Promise<void>((resolve) => (socketServer ? socketServer.close(() => resolve()) : resolve()));
    tmp.remove();
  });

  it('a regular file, and a symlink to one, are read whole', async () => {
    assert.equal((await readSettingFile(f('ca.pem'), 'ssl.ca')).toString(), caPem);
    assert.equal((await readSettingFile(f('link-to-ca.pem'), 'ssl.ca')).toString(), caPem);
    const plan = await planTls({ profile: { host: 'h', user: 'u', ssl: { mode: 'VERIFY_CA', ca: f('link-to-ca.pem') } } });
    assert.equal(plan.caCertificates.length, 1);
  });

  it('a folder is refused as a folder', async () => {
    await assert.rejects(readSettingFile(tmp.dir, 'ssl.ca'), classified('file-unreadable', 'ssl.ca', /is a folder/));
  });

  it('a FIFO is refused at once instead of waiting for a writer', { timeout: 10_000 }, async () => {
    await assert.rejects(readSettingFile(f('pipe'), 'ssl.ca'), classified('file-unreadable', 'ssl.ca', /\/pipe is a named pipe \(FIFO\), not a file/));
    await assert.rejects(
      planTls({ profile: { host: 'h', user: 'u', ssl: { mode: 'REQUIRED', cert: f('pipe'), key: f('pipe') } } }),
      classified('file-unreadable', 'ssl.cert', /named pipe/),
    );
  });

  it('a symlink to a FIFO is refused (the opened file is checked, not the name)', { timeout: 10_000 }, async () => {
    await assert.rejects(readSettingFile(f('link-to-pipe'), 'ssl.key'), classified('file-unreadable', 'ssl.key', /link-to-pipe is a named pipe/));
  });

  it('/dev/zero is refused as a device, not read until memory runs out', async () => {
    await assert.rejects(readSettingFile('/dev/zero', 'ssl.ca'), classified('file-unreadable', 'ssl.ca', /\/dev\/zero is a character device, not a file/));
    await assert.rejects(importCaBundle({ source: '/dev/zero' }), classified('file-unreadable', 'ssl.ca', /character device/));
    await assert.rejects(inspectFile('/dev/zero', { field: 'ssl.cert' }), classified('file-unreadable', 'ssl.cert', /character device/));
  });

  it('/dev/null is refused as a device (not reported as an empty file)', async () => {
    await assert.rejects(readSettingFile('/dev/null', 'ssl.pfx'), classified('file-unreadable', 'ssl.pfx', /\/dev\/null is a character device/));
  });

  it('a Unix socket is refused', async () => {
    await assert.rejects(readSettingFile(f('socket'), 'ssl.ca'), classified('file-unreadable', 'ssl.ca', /socket is a socket or pipe, not a file/));
  });

  it('a certificate or key file over 1 MiB is refused with its size, the limit and a fix', async () => {
    const err = await readSettingFile(f('just-over-1mib.pem'), 'ssl.key').then(
      () => new Error('the file was read'),
      (e: unknown) => e,
    );
    assert.ok(classified('file-unreadable', 'ssl.key')(err));
    const e = err as { detail: string; fix: string };
    assert.match(e.detail, /just-over-1mib\.pem is 1\.0 MiB \(1048577 bytes\); the limit for a certificate or key file is 1\.0 MiB \(1048576 bytes\)/);
    assert.match(e.fix, /Point the setting at the certificate, key or CA bundle itself/);
    // At the limit the file is read (and then fails as what it is: zeros, no PEM).
    await assert.rejects(
      planTls({ profile: { host: 'h', user: 'u', ssl: { mode: 'REQUIRED', cert: f('exactly-1mib.pem'), key: f('exactly-1mib.pem') } } }),
      classified('file-garbage', 'ssl.cert'),
    );
  });

  it('ssl.ca, imports and the inspector allow a bundle up to the bundle limit, and no more', async () => {
    // Over the certificate limit but under the bundle limit: read, then refused for its content.
    await assert.rejects(
      planTls({ profile: { host: 'h', user: 'u', ssl: { mode: 'VERIFY_CA', ca: f('just-over-1mib.pem') } } }),
      classified('file-garbage', 'ssl.ca'),
    );
    await assert.rejects(importCaBundle({ source: f('just-over-1mib.pem') }), classified('file-garbage', 'ssl.ca'));
    await assert.rejects(
      planTls({ profile: { host: 'h', user: 'u', ssl: { mode: 'VERIFY_CA', ca: f('over-bundle-limit.pem') } } }),
      classified('file-unreadable', 'ssl.ca', /the limit for a CA bundle is 8\.0 MiB/),
    );
    await assert.rejects(importCaBundle({ source: f('over-bundle-limit.pem') }), classified('file-unreadable', 'ssl.ca', /the limit for a CA bundle/));
    await assert.rejects(inspectFile(f('over-bundle-limit.pem')), classified('file-unreadable', 'file', /the limit for a CA bundle/));
  });

  it('a 3 GB (sparse) file is refused from its size, without reading it', async () => {
    await assert.rejects(readSettingFile(f('huge.pem'), 'ssl.ca'), classified('file-unreadable', 'ssl.ca', /huge\.pem is 3072\.0 MiB/));
  });

  it('never returns more than the limit, even for a file at the limit + 1', async () => {
    writeFileSync(f('eleven.txt'), 'hello world');
    assert.equal((await readBoundedFile(f('eleven.txt'), 'x', 11)).toString(), 'hello world');
    await assert.rejects(readBoundedFile(f('eleven.txt'), 'x', 10), classified('file-unreadable', 'x', /11 bytes; the limit/));
  });

  it('a missing file is still reported as missing', async () => {
    await assert.rejects(readSettingFile(f('nope.pem'), 'ssl.ca'), classified('file-missing', 'ssl.ca'));
  });
});
