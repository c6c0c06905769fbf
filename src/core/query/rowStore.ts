import { lstat, mkdtemp, open, readdir, rm, type FileHandle } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { cellBytes, toCells, type Cell } from './cells';

/**
 * Rows of one result set, kept in the extension host in bounded memory so the webview never holds more
 * than the window it shows. Rows are grouped in pages (at most `pageRows` rows or about `pageBytes`);
 * sealed pages stay in memory as JSON text while the total stays under `memoryBudgetBytes`, and the rest
 * are appended to a temporary file (mode 0600, in a private 0700 folder, deleted by dispose()). Reads go
 * through a small cache of parsed pages. `append` resolves once its rows are stored, so a caller that
 * awaits it (streamQuery pauses the socket meanwhile) gets backpressure from the disk.
 *
 * A spill that fails (a full disk, an I/O error) never loses rows silently or grows memory: the store keeps
 * the rows stored before the failed page, drops that page and everything after it, refuses further rows,
 * and reports `truncated` with the reason; `append` resolves `false` so the caller stops the query.
 */
/** A memory budget shared by the stores of one run (so 100 result sets do not get 100 budgets). */
export class SharedMemoryBudget {
  used = 0;
  constructor(readonly limitBytes: number) {}
}

export interface RowStoreOptions {
  /** Bytes of sealed pages kept in memory before spilling to the temporary file. Default 32 MiB. */
  memoryBudgetBytes?: number;
  /** When set, sealed pages also count against this budget (shared with other stores). */
  sharedBudget?: SharedMemoryBudget;
  /** Rows per page. Default 1000. */
  pageRows?: number;
  /** A page is sealed early once its rows are estimated at this many bytes. Default 1 MiB. */
  pageBytes?: number;
  /** Parsed pages kept for reads. Default 4. */
  cachedPages?: number;
  /** Where the spill folder is created. Default the OS temp folder. */
  tempDir?: string;
  /** Writes to the spill file (FileHandle.write by default); injectable so tests can simulate short writes. */
  writer?: SpillWriter;
}

/** One write call: may write fewer bytes than asked (the store loops), or reject (the store truncates). */
export type SpillWriter = (file: FileHandle, buffer: Buffer, offset: number, length: number, position: number) => Promise<{ bytesWritten: number }>;

const defaultWriter: SpillWriter = (file, buffer, offset, length, position) => file.write(buffer, offset, length, position);

/** A page read back from the spill file is unreadable (a truncated or altered file): the grid shows it. */
export class RowStoreError extends Error {
  override readonly name = 'RowStoreError';
}

/**
 * Spill folders are `mysql-tls-rows-<pid>-XXXXXX`: the pid of the extension host that owns them, so a later
 * host can tell the leftovers of a killed one (removeStaleSpillFolders) from the folders of a running one.
 */
export const SPILL_FOLDER_PREFIX = 'mysql-tls-rows-';
const SPILL_FOLDER_NAME = /^mysql-tls-rows-(\d{1,10})-[A-Za-z0-9]{6}$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes spill folders left by extension hosts that were killed before dispose() ran (they hold result
 * rows, maybe sensitive). Only this extension's folders (name pattern, a real folder, not a symlink, owned
 * by this user) whose owning process is gone, or that carry this process's pid but are older than it (a
 * reused pid). Returns the folders removed.
 */
export async function removeStaleSpillFolders(tempDir: string = os.tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  const startedAt = Date.now() - process.uptime() * 1000;
  const uid = process.getuid?.();
  for (const name of await readdir(tempDir).catch(() => [] as string[])) {
    const m = SPILL_FOLDER_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const full = path.join(tempDir, name);
    const st = await lstat(full).catch(() => undefined);
    if (!st || !st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
    const stale = pid === process.pid ? st.birthtimeMs > 0 && st.birthtimeMs < startedAt - 1000 : !processAlive(pid);
    if (!stale) continue;
    await rm(full, { recursive: true, force: true }).then(
      () => removed.push(full),
      () => undefined,
    );
  }
  return removed;
}

/** `the disk is full (ENOSPC)`, `an I/O error (EIO)`: why a spill failed, in words and code, no row data. */
export function spillFailureReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const words: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exhausted',
    EIO: 'an I/O error',
    EFBIG: 'the file is too large',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    ENOENT: 'the temporary folder is gone',
  };
  if (code) return `${words[code] ?? 'the write failed'} (${code}) writing the spill file`;
  return `the spill file could not be written: ${e instanceof Error ? e.message : String(e)}`;
}

interface Page {
  start: number;
  count: number;
  /** Sealed in memory (or being written): the page's JSON. */
  json?: string;
  /** Kept in memory, counted against the budget. */
  resident?: boolean;
  /** Sealed on disk. */
  offset?: number;
  length?: number;
}

export const DEFAULT_MEMORY_BUDGET = 32 * 1024 * 1024;

export class RowStore {
  private readonly pages: Page[] = [];
  private open: Cell[][] = [];
  private openBytes = 0;
  private openStart = 0;
  private count = 0;
  private inMemoryBytes = 0;
  private diskBytes = 0;
  private file?: FileHandle;
  private dir?: string;
  private fileEnd = 0;
  private writeChain: Promise<void> = Promise.resolve();
  private readonly cache = new Map<number, Cell[][]>();
  private cacheBytes = 0;
  private readonly cacheSizes = new Map<number, number>();
  private disposed = false;
  private done = false;
  private failure?: string;
  private readonly budget: number;
  private readonly pageRows: number;
  private readonly pageBytes: number;
  private readonly cachedPages: number;

  constructor(private readonly options: RowStoreOptions = {}) {
    this.budget = options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET;
    this.pageRows = Math.max(1, options.pageRows ?? 1000);
    this.pageBytes = Math.max(1024, options.pageBytes ?? 1024 * 1024);
    this.cachedPages = Math.max(1, options.cachedPages ?? 4);
  }

  get rowCount(): number {
    return this.count;
  }

  get complete(): boolean {
    return this.done;
  }

  /** Why rows stopped being stored (a failed spill); the store then holds only the rows before it. */
  get truncated(): string | undefined {
    return this.failure;
  }

  /** Bytes held in memory now: sealed pages, the page being filled, and the read cache (estimates). */
  get memoryBytes(): number {
    return this.inMemoryBytes + this.openBytes + this.cacheBytes;
  }

  /** Bytes written to the temporary file. */
  get spilledBytes(): number {
    return this.diskBytes;
  }

  /** The temporary file, once rows have spilled (for tests and the "where is my data" question). */
  get spillFile(): string | undefined {
    return this.dir ? path.join(this.dir, 'rows.jsonl') : undefined;
  }

  /**
   * Adds driver rows (normalised to cells). Resolves when they are stored (in memory or on disk): true, or
   * false once the store is truncated (a spill failed): then these and later rows are dropped.
   */
  async append(rows: unknown[][]): Promise<boolean> {
    if (this.disposed) throw new Error('the row store was disposed');
    for (const raw of rows) {
      if (this.failure) break;
      const cells = toCells(raw);
      this.open.push(cells);
      this.openBytes += cells.reduce<number>((n, c) => n + cellBytes(c), 16);
      this.count++;
      if (this.open.length >= this.pageRows || this.openBytes >= this.pageBytes) this.seal();
    }
    await this.writeChain;
    return this.failure === undefined;
  }

  /** Seals the last page; no rows are added after this. */
  async finish(): Promise<void> {
    if (this.open.length && !this.failure) this.seal();
    this.done = true;
    await this.writeChain;
  }

  private seal(): void {
    const page: Page = { start: this.openStart, count: this.open.length, json: JSON.stringify(this.open) };
    this.openStart += this.open.length;
    this.open = [];
    this.openBytes = 0;
    this.pages.push(page);
    const size = page.json!.length;
    const shared = this.options.sharedBudget;
    if (this.inMemoryBytes + size <= this.budget && (!shared || shared.used + size <= shared.limitBytes)) {
      this.inMemoryBytes += size;
      if (shared) shared.used += size;
      page.resident = true;
      return;
    }
    // Over the budget: this page goes to the file. Its JSON stays readable until the write lands.
    this.writeChain = this.writeChain.then(() => this.spill(page));
  }

  private async spill(page: Page): Promise<void> {
    if (this.disposed || this.failure || page.json === undefined) return;
    try {
      if (!this.file) {
        this.dir = await mkdtemp(path.join(this.options.tempDir ?? os.tmpdir(), `${SPILL_FOLDER_PREFIX}${process.pid}-`));
        this.file = await open(path.join(this.dir, 'rows.jsonl'), 'w+', 0o600);
      }
      const data = Buffer.from(page.json + '\n', 'utf8');
      await this.writeAll(data, this.fileEnd);
      this.commitSpill(page, data.length);
    } catch (e) {
      this.truncateAt(page, spillFailureReason(e));
    }
  }

  /** A write may be short (a full disk, a signal): write the rest until all of it landed, or fail. */
  private async writeAll(data: Buffer, position: number): Promise<void> {
    const write = this.options.writer ?? defaultWriter;
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await write(this.file!, data, done, data.length - done, position + done);
      if (!Number.isInteger(bytesWritten) || bytesWritten < 0 || bytesWritten > data.length - done) throw new Error(`the write reported ${bytesWritten} bytes`);
      // No progress is what a full disk looks like to a writer that does not throw ENOSPC itself.
      if (bytesWritten === 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      done += bytesWritten;
    }
  }

  /**
   * A spill failed: keep every row stored before `page`, forget `page` and every row after it (their JSON
   * is freed, so memory does not grow), and refuse further rows.
   */
  private truncateAt(page: Page, reason: string): void {
    this.failure = reason;
    const index = this.pages.indexOf(page);
    const dropped = index < 0 ? [] : this.pages.splice(index);
    for (const p of dropped) {
      if (p.resident && p.json !== undefined) {
        // A later, smaller page may have fit the budget: give its share back.
        this.inMemoryBytes -= p.json.length;
        if (this.options.sharedBudget) this.options.sharedBudget.used -= p.json.length;
      }
      p.json = undefined;
    }
    this.count = page.start;
    this.openStart = page.start;
    this.open = [];
    this.openBytes = 0;
  }

  private commitSpill(page: Page, length: number): void {
    page.offset = this.fileEnd;
    page.length = length - 1;
    this.fileEnd += length;
    this.diskBytes += length;
    page.json = undefined;
  }

  private pageIndexOf(row: number): number {
    let lo = 0;
    let hi = this.pages.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = this.pages[mid]!;
      if (row < p.start) hi = mid - 1;
      else if (row >= p.start + p.count) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  private async pageRowsAt(index: number): Promise<Cell[][]> {
    const cached = this.cache.get(index);
    if (cached) {
      this.cache.delete(index);
      this.cache.set(index, cached);
      return cached;
    }
    const page = this.pages[index]!;
    let json = page.json;
    if (json === undefined) json = await this.readSpilled(page);
    let rows: Cell[][];
    try {
      rows = JSON.parse(json) as Cell[][];
    } catch {
      throw new RowStoreError(`rows ${page.start + 1} to ${page.start + page.count} cannot be read back: the spill file is corrupt`);
    }
    if (!Array.isArray(rows) || rows.length !== page.count || !rows.every((r) => Array.isArray(r))) {
      throw new RowStoreError(`rows ${page.start + 1} to ${page.start + page.count} cannot be read back: the spill file is corrupt`);
    }
    if (page.json === undefined) {
      // Only pages read back from disk are cached; in-memory pages are parsed again (cheap, no growth).
      this.cache.set(index, rows);
      this.cacheSizes.set(index, json.length);
      this.cacheBytes += json.length;
      while (this.cache.size > this.cachedPages) {
        const oldest = this.cache.keys().next().value as number;
        this.cache.delete(oldest);
        this.cacheBytes -= this.cacheSizes.get(oldest) ?? 0;
        this.cacheSizes.delete(oldest);
      }
    }
    return rows;
  }

  /** A spilled page's JSON; a short read is finished (or the page reported unreadable), never parsed half. */
  private async readSpilled(page: Page): Promise<string> {
    const buf = Buffer.alloc(page.length!);
    let done = 0;
    try {
      while (done < buf.length) {
        const { bytesRead } = await this.file!.read(buf, done, buf.length - done, page.offset! + done);
        if (bytesRead <= 0) break;
        done += bytesRead;
      }
    } catch (e) {
      throw new RowStoreError(
        `rows ${page.start + 1} to ${page.start + page.count} cannot be read back from the spill file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    if (done < buf.length)
      throw new RowStoreError(`rows ${page.start + 1} to ${page.start + page.count} cannot be read back: the spill file is shorter than written`);
    return buf.toString('utf8');
  }

  /** Rows [start, start + count), clipped to what has arrived. Throws RowStoreError for an unreadable page. */
  async rows(start: number, count: number): Promise<Cell[][]> {
    return this.mapRows(start, count, (row) => row);
  }

  /**
   * Rows [start, start + count) through `map`, page by page: a caller that keeps only a part of each row
   * (the webview's cut cells) never holds the full rows of the whole window at once.
   */
  async mapRows<T>(start: number, count: number, map: (row: Cell[]) => T): Promise<T[]> {
    if (this.disposed) return [];
    const from = Math.max(0, Math.floor(start));
    const to = Math.min(this.count, from + Math.max(0, Math.floor(count)));
    const out: T[] = [];
    let row = from;
    while (row < to) {
      if (row >= this.openStart) {
        for (const r of this.open.slice(row - this.openStart, to - this.openStart)) out.push(map(r));
        break;
      }
      const index = this.pageIndexOf(row);
      if (index < 0) break;
      const page = this.pages[index]!;
      const rows = await this.pageRowsAt(index);
      const end = Math.min(to, page.start + page.count);
      for (let i = row - page.start; i < end - page.start; i++) out.push(map(rows[i]!));
      row = end;
    }
    return out;
  }

  /** Deletes the temporary file and forgets every row. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.writeChain.catch(() => undefined);
    this.pages.length = 0;
    this.open = [];
    this.cache.clear();
    if (this.options.sharedBudget) this.options.sharedBudget.used -= this.inMemoryBytes;
    this.inMemoryBytes = this.openBytes = this.cacheBytes = 0;
    await this.file?.close().catch(() => undefined);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
