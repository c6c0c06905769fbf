import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
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
}

interface Page {
  start: number;
  count: number;
  /** Sealed in memory (or being written): the page's JSON. */
  json?: string;
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

  /** Adds driver rows (normalised to cells). Resolves when they are stored (in memory or on disk). */
  async append(rows: unknown[][]): Promise<void> {
    if (this.disposed) throw new Error('the row store was disposed');
    for (const raw of rows) {
      const cells = toCells(raw);
      this.open.push(cells);
      this.openBytes += cells.reduce<number>((n, c) => n + cellBytes(c), 16);
      this.count++;
      if (this.open.length >= this.pageRows || this.openBytes >= this.pageBytes) this.seal();
    }
    await this.writeChain;
  }

  /** Seals the last page; no rows are added after this. */
  async finish(): Promise<void> {
    if (this.open.length) this.seal();
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
      return;
    }
    // Over the budget: this page goes to the file. Its JSON stays readable until the write lands.
    this.writeChain = this.writeChain.then(() => this.spill(page));
  }

  private async spill(page: Page): Promise<void> {
    if (this.disposed || page.json === undefined) return;
    if (!this.file) {
      this.dir = await mkdtemp(path.join(this.options.tempDir ?? os.tmpdir(), 'mysql-tls-rows-'));
      this.file = await open(path.join(this.dir, 'rows.jsonl'), 'w+', 0o600);
    }
    const data = Buffer.from(page.json + '\n', 'utf8');
    await this.file.write(data, 0, data.length, this.fileEnd);
    page.offset = this.fileEnd;
    page.length = data.length - 1;
    this.fileEnd += data.length;
    this.diskBytes += data.length;
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
    if (json === undefined) {
      const buf = Buffer.alloc(page.length!);
      await this.file!.read(buf, 0, page.length!, page.offset!);
      json = buf.toString('utf8');
    }
    const rows = JSON.parse(json) as Cell[][];
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

  /** Rows [start, start + count), clipped to what has arrived. */
  async rows(start: number, count: number): Promise<Cell[][]> {
    if (this.disposed) return [];
    const from = Math.max(0, Math.floor(start));
    const to = Math.min(this.count, from + Math.max(0, Math.floor(count)));
    const out: Cell[][] = [];
    let row = from;
    while (row < to) {
      if (row >= this.openStart) {
        out.push(...this.open.slice(row - this.openStart, to - this.openStart));
        break;
      }
      const index = this.pageIndexOf(row);
      if (index < 0) break;
      const page = this.pages[index]!;
      const rows = await this.pageRowsAt(index);
      const end = Math.min(to, page.start + page.count);
      out.push(...rows.slice(row - page.start, end - page.start));
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
