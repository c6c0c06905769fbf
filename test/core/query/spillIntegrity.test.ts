/**
 * The row store's spill file on a hostile disk: short writes are finished, a full disk (a real 1 MiB tmpfs)
 * truncates the result with its reason and stops the query against the real sandbox, a corrupt page is a
 * reported error, and spill folders left by a killed extension host are removed at the next start.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSession, type Session } from '../../../src/core/mysql/session';
import { rowsMessages } from '../../../src/core/query/resultsMessages';
import { RowStore, RowStoreError, removeStaleSpillFolders, type SpillWriter } from '../../../src/core/query/rowStore';
import { runStatements } from '../../../src/core/query/runStatements';
import { splitStatements } from '../../../src/core/sql/splitStatements';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

const rowsOf = (from: number, to: number): unknown[][] =>
  Array.from({ length: to - from }, (_, k) => [from + k, `row ${from + k} ${'é'.repeat((from + k) % 50)}`]);

describe('spill writes', () => {
  it('finishes short writes: a writer that writes half of what it is asked each call still stores intact pages', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-spill-test-'));
    let calls = 0;
    const halfWriter: SpillWriter = (file, buffer, offset, length, position) => {
      calls++;
      return file.write(buffer, offset, Math.max(1, Math.floor(length / 2)), position);
    };
    const store = new RowStore({ pageRows: 50, memoryBudgetBytes: 1, tempDir: dir, cachedPages: 1, writer: halfWriter });
    try {
      const expected = rowsOf(0, 1000);
      assert.equal(await store.append(expected), true);
      await store.finish();
      assert.equal(store.truncated, undefined);
      assert.deepEqual(await store.rows(0, 1000), expected);
      assert.ok(store.spilledBytes > 0 && calls > 20 * 5, `every page took several write calls (${calls})`);
    } finally {
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('treats a writer that makes no progress as a full disk: truncated with the reason, earlier rows intact, memory freed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-spill-test-'));
    let budgetLeft = 20_000;
    // A disk with 20 kB free that reports 0 bytes written once full (no ENOSPC of its own).
    const fillingWriter: SpillWriter = async (file, buffer, offset, length, position) => {
      const n = Math.min(length, budgetLeft);
      budgetLeft -= n;
      return n === 0 ? { bytesWritten: 0 } : file.write(buffer, offset, n, position);
    };
    const store = new RowStore({ pageRows: 50, memoryBudgetBytes: 8_000, tempDir: dir, writer: fillingWriter });
    try {
      let stored = true;
      for (let i = 0; i < 2000 && stored; i += 100) stored = await store.append(rowsOf(i, i + 100));
      assert.equal(stored, false, 'append reports that rows were dropped');
      assert.match(store.truncated ?? '', /the disk is full \(ENOSPC\) writing the spill file/);
      const count = store.rowCount;
      assert.ok(count > 0 && count < 2000 && count % 50 === 0, `kept whole pages only (${count})`);
      assert.ok(store.memoryBytes <= 8_000, `memory after the failure: ${store.memoryBytes}`);
      assert.deepEqual(await store.rows(0, count + 100), rowsOf(0, count));
      const memory = store.memoryBytes;
      assert.equal(await store.append(rowsOf(count, count + 500)), false);
      assert.equal(store.rowCount, count, 'later rows are refused');
      assert.equal(store.memoryBytes, memory, 'and do not grow memory');
    } finally {
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a corrupt spilled page as an error the grid shows, never an exception from the message path', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-spill-test-'));
    const store = new RowStore({ pageRows: 10, memoryBudgetBytes: 1, tempDir: dir, cachedPages: 1 });
    try {
      await store.append(rowsOf(0, 100));
      await store.finish();
      // Another process (or a bad disk) overwrites the file: same size, not JSON.
      const file = store.spillFile!;
      const size = statSync(file).size;
      writeFileSync(file, Buffer.alloc(size, 0x7b));
      await assert.rejects(
        store.rows(0, 10),
        (e: unknown) => e instanceof RowStoreError && /rows 1 to 10 cannot be read back: the spill file is corrupt/.test(e.message),
      );
      const messages = await rowsMessages(store, 7, 0, 0, 10);
      assert.equal(messages.length, 1);
      const m = messages[0]!;
      assert.ok(m.type === 'rows' && m.last && m.requestId === 7 && m.rows.length === 0);
      assert.match(m.type === 'rows' ? (m.error ?? '') : '', /spill file is corrupt/);
      // A file cut short is reported the same way.
      writeFileSync(file, Buffer.alloc(10, 0x20));
      await assert.rejects(store.rows(50, 10), (e: unknown) => e instanceof RowStoreError && /shorter than written/.test(e.message));
    } finally {
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a full disk under a streaming query (1 MiB tmpfs, real sandbox)', () => {
  const DB = 'mysqltls_spill_test';
  const TOTAL = 2_000_000;
  let session: Session;
  let admin: Session;
  let mount: string;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  before(async () => {
    mount = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-fulldisk-'));
    // We run as root in the test machine; a failing mount fails the test (no silent skip).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mount]);
    const sb = loadSandbox();
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    admin = await openSession({ profile, secrets });
    await admin.query(`CREATE DATABASE IF NOT EXISTS ${DB}`);
    session = await admin.reopen();
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  after(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    await session?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin?.close();
    if (mount) {
      spawnSync('umount', [mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  });

  it('truncates the result with the reason, keeps every earlier row, holds the memory budget, and stops the query', async () => {
    const budget = 256 * 1024;
    const store = new RowStore({ tempDir: mount, memoryBudgetBytes: budget, pageRows: 200 });
    let peakMemory = 0;
    let batchesAfterFailure = 0;
    let delivered = 0;
    const rowsSent = async (): Promise<number> => Number((await session.query<{ Value: string }[]>(`SHOW SESSION STATUS LIKE 'Rows_sent'`)).rows[0]!.Value);
    try {
      const sentBefore = await rowsSent();
      const outcome = await runStatements(
        session,
        splitStatements(`SELECT seq, CONCAT('row-', seq, '-', REPEAT('x', 100)) AS label FROM ${DB}.seq_1_to_${TOTAL}`),
        {
          batchSize: 500,
          handlers: {
            onRows: async (_i, rows) => {
              if (store.truncated) batchesAfterFailure++;
              delivered += rows.length;
              const stored = await store.append(rows);
              peakMemory = Math.max(peakMemory, store.memoryBytes);
              return stored;
            },
          },
        },
      );
      assert.equal(outcome.kind, 'truncated', outcome.kind === 'error' ? outcome.error.message : outcome.kind);
      assert.match(store.truncated ?? '', /^the disk is full \(ENOSPC\) writing the spill file$/);
      if (outcome.kind === 'truncated') assert.equal(outcome.reason, 'the rows could not be stored');
      assert.equal(batchesAfterFailure, 0, 'no batch is handed over once the store failed');
      assert.ok(delivered < TOTAL, `the run stopped early (${delivered} of ${TOTAL} rows handed over)`);
      const count = store.rowCount;
      assert.ok(count > 1000 && count < delivered, `rows kept: ${count}`);
      // Budget + the page being filled + the read cache (none read yet).
      assert.ok(peakMemory <= budget + 1024 * 1024, `store memory peaked at ${peakMemory}`);
      assert.ok(store.memoryBytes <= budget, `store memory after the failure: ${store.memoryBytes}`);
      for (let at = 0; at < count; at += 5000) {
        const window = await store.rows(at, 5000);
        assert.equal(window.length, Math.min(5000, count - at));
        window.forEach((r, k) => assert.deepEqual(r, [at + k + 1, `row-${at + k + 1}-${'x'.repeat(100)}`]));
      }
      // The server stopped sending (KILL QUERY): the rows it sent, by its own count, are far from all of them.
      const sent = (await rowsSent()) - sentBefore;
      assert.ok(sent < TOTAL / 2, `the server sent ${sent} of ${TOTAL} rows`);
      // The server is not still running the SELECT, and the session is usable.
      const running = await admin.query<{ n: number }[]>(
        `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ${Number(session.threadId)} AND COMMAND = 'Query'`,
      );
      assert.equal(Number(running.rows[0]!.n), 0);
      assert.deepEqual((await session.query<{ one: number }[]>('SELECT 1 AS one')).rows, [{ one: 1 }]);
      assert.deepEqual(uncaught, []);
    } finally {
      await store.dispose();
    }
    assert.deepEqual(readdirSync(mount), [], 'dispose removed the spill folder');
  });
});

describe('leftover spill folders', () => {
  it('removes the folder of a dead extension host at start; keeps a live one, unrelated folders, files and symlinks', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-stale-test-'));
    try {
      const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      const deadPid = Number(child.stdout);
      assert.ok(deadPid > 0);
      const dead = path.join(tmp, `mysql-tls-rows-${deadPid}-AbC123`);
      mkdirSync(dead, { mode: 0o700 });
      writeFileSync(path.join(dead, 'rows.jsonl'), '[[1]]\n');
      const live = path.join(tmp, `mysql-tls-rows-${process.pid}-XyZ789`);
      mkdirSync(live);
      const unrelated = path.join(tmp, 'mysql-tls-other-12345-abcdef');
      mkdirSync(unrelated);
      const lookalikeFile = path.join(tmp, `mysql-tls-rows-${deadPid}-file01`);
      writeFileSync(lookalikeFile, 'not a folder');
      const target = path.join(tmp, 'precious');
      mkdirSync(target);
      writeFileSync(path.join(target, 'keep'), 'x');
      const link = path.join(tmp, `mysql-tls-rows-${deadPid}-link01`);
      symlinkSync(target, link);

      const removed = await removeStaleSpillFolders(tmp);
      assert.deepEqual(removed, [dead]);
      assert.ok(!existsSync(dead));
      for (const kept of [live, unrelated, lookalikeFile, link, path.join(target, 'keep')]) assert.ok(existsSync(kept), `${path.basename(kept)} stays`);

      // The folders this process creates carry its pid, so they are recognised as live.
      const store = new RowStore({ pageRows: 1, memoryBudgetBytes: 1, tempDir: tmp });
      await store.append([[1]]);
      assert.match(path.basename(path.dirname(store.spillFile!)), new RegExp(`^mysql-tls-rows-${process.pid}-[A-Za-z0-9]{6}$`));
      assert.deepEqual(await removeStaleSpillFolders(tmp), []);
      await store.dispose();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
