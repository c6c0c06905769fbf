/**
 * Messages to the results webview stay under a byte cap: cells are cut for display (with a marker and the
 * full length), a window too large for one message is split, and Copy/Export still give the full values.
 * The large case is a real result from the sandbox: 100 rows of 8 MiB cells.
 */
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { openSession, type Session } from '../../../src/core/mysql/session';
import { CELL_DISPLAY_CHARS, displayCell, type DisplayCell } from '../../../src/core/query/cells';
import { exportRows } from '../../../src/core/query/exportRows';
import {
  boundedUpdate,
  copyText,
  MAX_MESSAGE_BYTES,
  messageBytes,
  resultSetMessage,
  rowsMessages,
  type ResultsUpdate,
} from '../../../src/core/query/resultsMessages';
import { RowStore } from '../../../src/core/query/rowStore';
import { runStatements } from '../../../src/core/query/runStatements';
import { splitStatements } from '../../../src/core/sql/splitStatements';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

const rowsIn = (messages: ResultsUpdate[]): DisplayCell[][] => messages.flatMap((m) => (m.type === 'rows' ? m.rows : []));

describe('cells cut for display', () => {
  it('cuts text and binary to the display length with the full length, and leaves short cells as they are', () => {
    assert.equal(displayCell('short'), 'short');
    assert.equal(displayCell('y'.repeat(CELL_DISPLAY_CHARS)), 'y'.repeat(CELL_DISPLAY_CHARS));
    assert.deepEqual(displayCell('y'.repeat(CELL_DISPLAY_CHARS + 1)), { cut: 'y'.repeat(CELL_DISPLAY_CHARS), length: CELL_DISPLAY_CHARS + 1 });
    // Never half a surrogate pair.
    const emoji = `${'a'.repeat(CELL_DISPLAY_CHARS - 1)}😀😀`;
    assert.deepEqual(displayCell(emoji), { cut: 'a'.repeat(CELL_DISPLAY_CHARS - 1), length: emoji.length });
    assert.equal(displayCell(null), null);
    assert.equal(displayCell(42), 42);
    const bytes = Buffer.alloc(10_000, 0xab);
    const cut = displayCell({ binary: bytes.toString('base64') });
    assert.ok(typeof cut === 'object' && cut !== null && 'binary' in cut && 'length' in cut);
    if (typeof cut === 'object' && cut !== null && 'binary' in cut && 'length' in cut) {
      assert.equal(cut.length, 10_000);
      assert.ok(cut.binary.length <= CELL_DISPLAY_CHARS);
      assert.deepEqual(Buffer.from(cut.binary, 'base64'), bytes.subarray(0, (cut.binary.length / 4) * 3));
    }
  });
});

describe('rows messages under the byte cap (no server)', () => {
  it('splits a window that would exceed the cap into several messages, in order, each under it', async () => {
    // 100 rows of 50 cells of 2,000 control characters: each character is 6 bytes of JSON (\u0001), ~60 MB.
    const cell = '\u0001'.repeat(CELL_DISPLAY_CHARS);
    const store = new RowStore();
    try {
      await store.append(Array.from({ length: 100 }, (_, i) => [i, ...Array.from({ length: 50 }, () => cell)]));
      await store.finish();
      const messages = await rowsMessages(store, 3, 0, 0, 100);
      assert.ok(messages.length >= 4, `${messages.length} messages`);
      for (const m of messages) assert.ok(messageBytes(m) <= MAX_MESSAGE_BYTES, `a message of ${messageBytes(m)} bytes`);
      assert.deepEqual(
        messages.map((m) => m.type === 'rows' && m.last),
        [...messages.slice(1).map(() => false), true],
      );
      let next = 0;
      for (const m of messages) {
        assert.ok(m.type === 'rows' && m.requestId === 3 && m.start === next);
        if (m.type === 'rows') next += m.rows.length;
      }
      const rows = rowsIn(messages);
      assert.equal(rows.length, 100);
      rows.forEach((r, i) => assert.deepEqual(r, [i, ...Array.from({ length: 50 }, () => cell)]));
    } finally {
      await store.dispose();
    }
  });

  it('cuts the cells of a row that alone exceeds the cap, keeping the full length in the marker', async () => {
    const store = new RowStore();
    try {
      await store.append([Array.from({ length: 50 }, () => 'z'.repeat(CELL_DISPLAY_CHARS))]);
      const cap = 32 * 1024;
      const messages = await rowsMessages(store, 1, 0, 0, 1, { maxMessageBytes: cap });
      assert.equal(messages.length, 1);
      assert.ok(messageBytes(messages[0]!) <= cap);
      const [row] = rowsIn(messages);
      assert.ok(row && row.length === 50);
      for (const c of row)
        assert.ok(typeof c === 'object' && c !== null && 'cut' in c && c.length === CELL_DISPLAY_CHARS && c.cut.length > 0 && /^z+$/.test(c.cut));
    } finally {
      await store.dispose();
    }
  });

  it('bounds server strings in status messages and result set announcements', () => {
    const huge = 'n'.repeat(1_000_000);
    const announced = resultSetMessage(
      0,
      0,
      'Statement 1 (line 1)',
      Array.from({ length: 4096 }, () => ({ name: huge, typeName: 'VAR_STRING', sqlType: 'VARCHAR(100)', nullable: true })),
    );
    assert.ok(messageBytes(announced) <= MAX_MESSAGE_BYTES, `${messageBytes(announced)} bytes`);
    assert.ok(announced.type === 'resultSet' && announced.resultSet.columns.length === 4096 && announced.resultSet.columns[0]!.name.startsWith('nnn'));
    const state = boundedUpdate({ type: 'state', state: 'error', message: huge });
    assert.ok(messageBytes(state) < 20_000);
  });
});

describe('100 rows of 8 MiB cells from the sandbox', () => {
  const DB = 'mysqltls_bigcells_test';
  const CELL = 8 * 1024 * 1024;
  let session: Session;
  let store: RowStore;
  let dir: string;
  before(async () => {
    const sb = loadSandbox();
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    session = await openSession({ profile, secrets });
    await session.query(`CREATE DATABASE IF NOT EXISTS ${DB}`);
    // 8 MiB fits the sandbox's max_allowed_packet (16 MiB); REPEAT would return NULL past it.
    const packet = await session.query<{ m: number }[]>('SELECT @@max_allowed_packet AS m');
    assert.ok(Number(packet.rows[0]!.m) > CELL);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-bigcells-'));
    store = new RowStore({ tempDir: dir });
    const outcome = await runStatements(
      session,
      splitStatements(`SELECT seq, REPEAT(ELT(1 + seq % 3, 'x', 'y', 'z'), ${CELL}) AS big FROM ${DB}.seq_1_to_100`),
      {
        batchSize: 2,
        handlers: { onRows: (_i, rows) => store.append(rows) },
      },
    );
    assert.equal(outcome.kind, 'done', outcome.kind === 'error' ? outcome.error.message : outcome.kind);
    await store.finish();
  });
  after(async () => {
    await store?.dispose();
    await session?.query(`DROP DATABASE IF EXISTS ${DB}`);
    await session?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const letter = (seq: number): string => 'xyz'[seq % 3]!;

  it('sends the page in messages under the cap with cut cells, where the uncut page would far exceed it', async () => {
    assert.equal(store.rowCount, 100);
    const uncutBytes = (await store.mapRows(0, 100, (r) => Buffer.byteLength(JSON.stringify(r)))).reduce((a, b) => a + b, 0);
    assert.ok(uncutBytes > 40 * MAX_MESSAGE_BYTES, `the uncut page is ${uncutBytes} bytes`);
    const messages = await rowsMessages(store, 9, 0, 0, 100);
    for (const m of messages) assert.ok(messageBytes(m) <= MAX_MESSAGE_BYTES, `a message of ${messageBytes(m)} bytes`);
    const rows = rowsIn(messages);
    assert.equal(rows.length, 100);
    rows.forEach((r, i) => assert.deepEqual(r, [i + 1, { cut: letter(i + 1).repeat(CELL_DISPLAY_CHARS), length: CELL }]));
  });

  it('Copy cell and Copy row give the full 8 MiB value from the store', async () => {
    const cell = await copyText(store, 41, 1);
    assert.equal(cell?.length, CELL);
    assert.equal(cell, letter(42).repeat(CELL));
    const row = await copyText(store, 99);
    assert.equal(row, `100\t${letter(100).repeat(CELL)}`);
  });

  it('Export writes the full values', async () => {
    const file = path.join(dir, 'big.csv');
    assert.equal(await exportRows(store, ['seq', 'big'], 'csv', file), 100);
    assert.ok(statSync(file).size > 100 * CELL);
    let n = 0;
    for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
      if (n > 0) assert.equal(line, `${n},${letter(n).repeat(CELL)}`);
      n++;
    }
    assert.equal(n, 101);
    rmSync(file);
  });
});
