import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MysqlTlsError } from '../errors';

export interface AtomicWriteOptions {
  /** 0o600 for keys and PKCS#12 files, 0o644 for certificates, bundles and configs. */
  mode: number;
  /** Replace an existing file (the user confirmed it); otherwise an existing file is an error. */
  overwrite: boolean;
  /** The setting or option the path came from, for the error. */
  field?: string;
}

/**
 * Writes `content` to `file` without ever writing through what is already there:
 * - the bytes go to a new temporary file in the same folder, created exclusively (O_EXCL, O_NOFOLLOW) with the
 *   final mode already set on the open handle, so a key is never readable by others, not even for a moment;
 * - it is then renamed over the target, which replaces a directory entry and never follows it;
 * - an existing target that is a symbolic link, not a regular file, or owned by another user is refused
 *   (a link planted in a shared folder must not redirect a private key, and another user's file is theirs).
 */
export async function writeFileAtomic(file: string, content: string | Buffer, opts: AtomicWriteOptions): Promise<void> {
  const target = path.resolve(file);
  let existing: import('node:fs').Stats | undefined;
  try {
    existing = await fs.lstat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new MysqlTlsError('file-unreadable', `${target} cannot be checked: ${(e as Error).message}`, opts.field);
  }
  if (existing) {
    if (!opts.overwrite) throw new MysqlTlsError('file-exists', `${target} already exists`, opts.field);
    if (existing.isSymbolicLink()) throw new MysqlTlsError('file-unsafe', `${target} is a symbolic link; it is not written through`, opts.field);
    if (!existing.isFile()) throw new MysqlTlsError('file-unsafe', `${target} is not a regular file`, opts.field);
    const uid = process.getuid?.();
    if (uid !== undefined && existing.uid !== uid)
      throw new MysqlTlsError('file-unsafe', `${target} belongs to another user (uid ${existing.uid})`, opts.field);
  }
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: import('node:fs/promises').FileHandle;
  try {
    handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, opts.mode);
  } catch (e) {
    throw new MysqlTlsError('file-unreadable', `${target} cannot be written: ${(e as Error).message}`, opts.field, 'Choose a folder you can write to.');
  }
  try {
    // The mode passed to open() is masked by the umask: set it exactly, on the handle (never by path).
    await handle.chmod(opts.mode);
    await handle.writeFile(content);
    await handle.sync();
    await handle.close();
    if (opts.overwrite) await fs.rename(temp, target);
    else {
      // No clobbering, even of a file created since the check: link() fails if the name exists.
      try {
        await fs.link(temp, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new MysqlTlsError('file-exists', `${target} already exists`, opts.field);
        throw e;
      }
      await fs.unlink(temp);
    }
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    if (e instanceof MysqlTlsError) throw e;
    throw new MysqlTlsError(
      'file-unreadable',
      `${target} cannot be written: ${(e as Error).message}`,
      opts.field,
      'Choose a folder you can write to, with free space.',
    );
  }
}
