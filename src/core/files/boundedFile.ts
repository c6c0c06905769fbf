import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { MysqlTlsError } from '../errors';

/**
 * Reading a file that a setting names. Settings can come from an untrusted workspace, so the path can be
 * anything: a FIFO that never delivers, /dev/zero that never ends, a multi-gigabyte file. The reader opens
 * without blocking, checks what the opened handle is (fstat, so nothing can be swapped in between), and
 * never holds more than the limit + 1 bytes. All I/O is asynchronous: the extension host never waits on it.
 */

const MiB = 1024 * 1024;

/**
 * One certificate, a private key, a leaf plus its chain, or a PKCS#12 bundle: a few KB in practice
 * (a 16384-bit RSA key in PEM is ~13 KB), so 1 MiB is generous and still cheap to parse.
 */
export const CERTIFICATE_FILE_LIMIT = 1 * MiB;

/**
 * A CA bundle. The largest real ones are the provider bundles and OS trust stores: the AWS RDS global bundle
 * is ~170 KB, Debian's ca-certificates.crt (~150 roots) ~220 KB. 8 MiB leaves room for bundles forty times
 * that size (some 5000 certificates) while bounding memory and parse time.
 */
export const CA_BUNDLE_FILE_LIMIT = 8 * MiB;

/** The largest limit a caller may ask for: the reader allocates limit + 1 bytes up front. */
const MAX_LIMIT = 64 * MiB;

/** What a non-regular file is, in the words the error message uses. */
function describeKind(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function formatSize(bytes: number): string {
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB (${bytes} bytes)`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB (${bytes} bytes)`;
  return `${bytes} bytes`;
}

function tooLarge(path: string, field: string, size: string, limit: number): MysqlTlsError {
  const what = limit > CERTIFICATE_FILE_LIMIT ? 'a CA bundle' : 'a certificate or key file';
  return new MysqlTlsError(
    'file-unreadable',
    `${path} is ${size}; the limit for ${what} is ${formatSize(limit)}`,
    field,
    'Point the setting at the certificate, key or CA bundle itself: a file this large is not one. For a bundle, keep only the CA certificates this server needs.',
  );
}

function openError(e: unknown, path: string, field: string): MysqlTlsError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new MysqlTlsError('file-missing', `${path} does not exist`, field);
  if (code === 'EISDIR')
    return new MysqlTlsError('file-unreadable', `${path} is a folder, not a file`, field, 'Point the setting at a file inside the folder.');
  if (code === 'ENXIO') {
    // O_NONBLOCK open of a socket, or of a FIFO for writing, fails with ENXIO.
    return new MysqlTlsError('file-unreadable', `${path} is a socket or pipe, not a file`, field, 'Point the setting at a regular file.');
  }
  return new MysqlTlsError('file-unreadable', `${path}: ${(e as Error).message}`, field);
}

/**
 * Reads a regular file of at most `limit` bytes. A folder, FIFO, socket or device, and a file over the
 * limit, are refused with a MysqlTlsError naming `field`, the path and what is wrong.
 */
export async function readBoundedFile(path: string, field: string, limit: number): Promise<Buffer> {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new RangeError(`readBoundedFile: limit ${limit} is out of range`);
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
    // O_NOCTTY: a terminal device named here never becomes the controlling terminal. Both are 0 on Windows.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (e) {
    throw openError(e, path, field);
  }
  try {
    let st: Stats;
    try {
      st = await handle.stat();
    } catch (e) {
      throw openError(e, path, field);
    }
    if (!st.isFile()) {
      throw new MysqlTlsError(
        'file-unreadable',
        `${path} is ${describeKind(st)}, not a file`,
        field,
        'Point the setting at a regular file (a certificate, key or CA bundle), not a folder, pipe or device.',
      );
    }
    if (st.size > limit) throw tooLarge(path, field, formatSize(st.size), limit);
    // The file can grow between fstat and read: read into a buffer of limit + 1 so growth past the limit
    // is seen, and never more.
    const buf = Buffer.alloc(Math.min(limit + 1, Math.max(st.size + 1, 64 * 1024)));
    let chunk = buf;
    let total = 0;
    for (;;) {
      if (total === chunk.length) {
        if (chunk.length > limit) break;
        const bigger = Buffer.alloc(Math.min(limit + 1, chunk.length * 2));
        chunk.copy(bigger, 0, 0, total);
        chunk = bigger;
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, total, chunk.length - total, total));
      } catch (e) {
        throw openError(e, path, field);
      }
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    if (total > limit) throw tooLarge(path, field, 'over the limit (it grew while being read)', limit);
    return chunk.subarray(0, total);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
