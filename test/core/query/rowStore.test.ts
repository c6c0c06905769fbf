/** The bounded-memory row store: windows, spilling, and 1,000,000 streamed rows from the sandbox. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { streamQuery } from '../../../src/core/mysql/queryStream';
import { openSession, type Session } from '../../../src/core/mysql/session';
import { RowStore, SharedMemoryBudget } from '../../../src/core/query/rowStore';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

describe('row store (no server)', () => {
  it('returns windows across in-memory pages, spilled pages and the page being filled', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-rowstore-test-'));
    const store = new RowStore({ pageRows: 10, memoryBudgetBytes: 600, tempDir: dir, cachedPages: 2 });
    try {
      const rows = Array.from({ length: 95 }, (_, i) => [i, `r${i}`, i % 7 === 0 ? null : Buffer.from([i])]);
      await store.append(rows);
      assert.equal(store.rowCount, 95);
      // 9 sealed pages (some in memory, the rest on disk) and 5 rows in the open page.
      assert.ok(store.spilledBytes > 0);
      const file = store.spillFile!;
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(
        (await store.rows(0, 3)).map((r) => r[0]),
        [0, 1, 2],
      );
      assert.deepEqual(
        (await store.rows(8, 5)).map((r) => r[0]),
        [8, 9, 10, 11, 12],
      );
      assert.deepEqual(
        (await store.rows(88, 100)).map((r) => r[0]),
        [88, 89, 90, 91, 92, 93, 94],
      );
      const r49 = (await store.rows(49, 1))[0]!;
      assert.deepEqual(r49, [49, 'r49', null]);
      assert.deepEqual((await store.rows(50, 1))[0], [50, 'r50', { binary: Buffer.from([50]).toString('base64') }]);
      assert.deepEqual(await store.rows(200, 5), []);
      await store.finish();
      assert.ok(store.complete);
      assert.equal((await store.rows(0, 1000)).length, 95);
      await store.dispose();
      assert.ok(!existsSync(file), 'dispose deletes the spill file');
    } finally {
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('shared memory budget', () => {
  it('lets stores of one run share a budget: the second spills what the first already used', async () => {
    const shared = new SharedMemoryBudget(2000);
    const a = new RowStore({ pageRows: 10, sharedBudget: shared });
    const b = new RowStore({ pageRows: 10, sharedBudget: shared });
    try {
      const rows = Array.from({ length: 100 }, (_, i) => [i, 'some text to fill the page']);
      await a.append(rows);
      await a.finish();
      assert.ok(shared.used <= 2000 && shared.used > 0);
      assert.ok(a.spilledBytes > 0);
      const usedByA = shared.used;
      await b.append(rows.slice(0, 20));
      await b.finish();
      assert.equal(shared.used, usedByA, 'nothing left for b in memory');
      assert.ok(b.spilledBytes > 0);
      assert.deepEqual((await b.rows(15, 1))[0], [15, 'some text to fill the page']);
      await a.dispose();
      assert.equal(shared.used, 0, 'dispose gives the budget back');
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
});

describe('row store with 1,000,000 streamed rows over TLS', () => {
  let session: Session;
  const DB = 'mysqltls_rowstore_test';
  before(async () => {
    const sb = loadSandbox();
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    session = await openSession({ profile, secrets });
    await session.query(`CREATE DATABASE IF NOT EXISTS ${DB}`);
  });
  after(async () => {
    await session.query(`DROP DATABASE IF EXISTS ${DB}`);
    await session.close();
  });

  it('keeps memory under its budget, spills the rest, and serves any window by index', async (t) => {
    const budget = 8 * 1024 * 1024;
    const store = new RowStore({ memoryBudgetBytes: budget });
    try {
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const rssBefore = process.memoryUsage().rss;
      let peakStore = 0;
      let peakHeap = heapBefore;
      let firstRowsAt = 0;
      const started = performance.now();
      const res = await streamQuery(
        session,
        `SELECT seq, CONCAT('row-', seq) AS label, IF(seq % 10 = 0, NULL, seq * 2) AS maybe FROM ${DB}.seq_1_to_1000000`,
        {
          onRows: async (rows) => {
            await store.append(rows);
            if (!firstRowsAt) {
              firstRowsAt = performance.now() - started;
              // The first rows are readable while the rest still arrive.
              assert.deepEqual(
                (await store.rows(0, 2)).map((r) => r[0]),
                [1, 2],
              );
            }
            peakStore = Math.max(peakStore, store.memoryBytes);
            if (store.rowCount % 50_000 < rows.length) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
          },
        },
        { batchSize: 1000 },
      );
      await store.finish();
      const elapsed = performance.now() - started;
      assert.equal(res[0]!.rowCount, 1_000_000);
      assert.equal(store.rowCount, 1_000_000);
      assert.ok(store.spilledBytes > 0, 'most pages spilled to the temporary file');
      // Budget + the page being filled (≤ 1 MiB) + the read cache (4 pages).
      assert.ok(peakStore <= budget + 6 * 1024 * 1024, `store memory peaked at ${(peakStore / 1048576).toFixed(1)} MiB`);
      const heapGrowthMb = (peakHeap - heapBefore) / 1048576;
      assert.ok(heapGrowthMb < 120, `heap grew by ${heapGrowthMb.toFixed(1)} MiB`);

      // Windows anywhere, as the grid asks for them while scrolling.
      const tReads = performance.now();
      assert.deepEqual(await store.rows(0, 2), [
        [1, 'row-1', 2],
        [2, 'row-2', 4],
      ]);
      assert.deepEqual(
        (await store.rows(499_999, 2)).map((r) => r[0]),
        [500_000, 500_001],
      );
      assert.deepEqual((await store.rows(500_000, 1))[0]![2], 1_000_002);
      assert.equal((await store.rows(9, 1))[0]![2], null);
      const last = await store.rows(999_950, 100);
      assert.equal(last.length, 50);
      assert.deepEqual(last[49], [1_000_000, 'row-1000000', null]);
      for (let i = 0; i < 50; i++) assert.equal((await store.rows((i * 19_997) % 999_000, 60)).length, 60);
      const readsMs = performance.now() - tReads;
      t.diagnostic(
        `1M rows into the row store: ${(elapsed / 1000).toFixed(2)} s, first rows after ${firstRowsAt.toFixed(0)} ms, store memory peak ${(peakStore / 1048576).toFixed(1)} MiB (budget ${budget / 1048576} MiB), spilled ${(store.spilledBytes / 1048576).toFixed(1)} MiB, heap growth ${heapGrowthMb.toFixed(1)} MiB, RSS growth ${((process.memoryUsage().rss - rssBefore) / 1048576).toFixed(1)} MiB, 55 random windows in ${readsMs.toFixed(0)} ms`,
      );
    } finally {
      await store.dispose();
    }
  });
});
