/** The schema tree nodes (in a fake VS Code) over a real VERIFY_IDENTITY session: content, one query per level. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openSession, type Session } from '../../../src/core/mysql/session';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';
import { createFakeVscode, installFakeVscode, type FakeVscode } from '../extension/fakeVscode';

interface Node {
  toTreeItem(): { label: string; description?: string; contextValue?: string; collapsibleState?: number };
  getChildren?(): Promise<Node[]>;
}

describe('schema tree over TLS', () => {
  const DB = 'mysqltls_tree_test';
  let session: Session;
  let fake: FakeVscode;
  let uninstall: () => void;
  let databaseNodes: (connectionId: string, session: Session) => Promise<Node[]>;
  let queries = 0;

  before(async () => {
    fake = createFakeVscode();
    uninstall = installFakeVscode(fake);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    databaseNodes = (require('../../../src/vscode/tree/databaseNode') as { databaseNodes: typeof databaseNodes }).databaseNodes;
    const sb = loadSandbox();
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    session = await openSession({ profile, secrets });
    for (const sql of [
      `DROP DATABASE IF EXISTS ${DB}`,
      `CREATE DATABASE ${DB}`,
      `CREATE TABLE ${DB}.customers (id INT PRIMARY KEY, email VARCHAR(200) NOT NULL, note TEXT NULL, UNIQUE KEY uq_email (email))`,
      `CREATE VIEW ${DB}.emails AS SELECT email FROM ${DB}.customers`,
      `INSERT INTO ${DB}.customers VALUES (1, 'a@example.com', NULL), (2, 'b@example.com', 'x'), (3, 'c@example.com', NULL)`,
      `ANALYZE TABLE ${DB}.customers`,
    ])
      await session.query(sql);
    const original = session.query.bind(session);
    (session as unknown as { query: typeof original }).query = ((...args: Parameters<typeof original>) => {
      queries++;
      return original(...args);
    }) as typeof original;
  });
  after(async () => {
    uninstall?.();
    await session?.query(`DROP DATABASE IF EXISTS ${DB}`);
    await session?.close();
  });

  const labels = (nodes: Node[]): string[] => nodes.map((n) => n.toTreeItem().label);

  it('lists databases with system schemas grouped, then tables (two queries), columns and indexes, one query per level', async () => {
    queries = 0;
    const dbs = await databaseNodes('c1', session);
    assert.equal(queries, 1);
    assert.ok(labels(dbs).includes(DB));
    assert.ok(!labels(dbs).includes('information_schema'), 'system schemas are not at the top level by default');
    const system = dbs.find((n) => n.toTreeItem().label === 'System schemas')!;
    assert.equal(system.toTreeItem().collapsibleState, 1, 'collapsed');
    assert.ok(labels(await system.getChildren!()).includes('information_schema'));

    const db = dbs.find((n) => n.toTreeItem().label === DB)!;
    assert.equal(db.toTreeItem().contextValue, 'database');
    queries = 0;
    const tables = await db.getChildren!();
    // The table definitions, then (a level of up to INLINE_ESTIMATES_MAX_TABLES) their row estimates: never one per table.
    assert.equal(queries, 2);
    assert.deepEqual(
      tables.map((t) => [t.toTreeItem().label, t.toTreeItem().description, t.toTreeItem().contextValue]),
      [
        ['customers', '~3 rows', 'table'],
        ['emails', 'view', 'view'],
      ],
    );

    queries = 0;
    const columns = await tables[0]!.getChildren!();
    assert.equal(queries, 1);
    assert.deepEqual(
      columns.map((c) => [c.toTreeItem().label, c.toTreeItem().description]),
      [
        ['id', 'int(11) · NOT NULL · PRI'],
        ['email', 'varchar(200) · NOT NULL · UNI'],
        ['note', 'text · NULL'],
        ['Indexes', undefined],
      ],
    );
    queries = 0;
    const indexes = await columns[3]!.getChildren!();
    assert.equal(queries, 1);
    assert.deepEqual(
      indexes.map((i) => [i.toTreeItem().label, i.toTreeItem().description]),
      [
        ['PRIMARY', 'unique (id)'],
        ['uq_email', 'unique (email)'],
      ],
    );
    const viewColumns = await tables[1]!.getChildren!();
    assert.deepEqual(labels(viewColumns), ['email'], 'a view has columns and no Indexes folder');
  });

  it('lists system schemas with the others when mysqlTls.showSystemSchemas is on', async () => {
    fake.settings.user['mysqlTls.showSystemSchemas'] = true;
    try {
      const dbs = labels(await databaseNodes('c1', session));
      assert.ok(dbs.includes('information_schema') && dbs.includes(DB));
      assert.ok(!dbs.includes('System schemas'));
    } finally {
      delete fake.settings.user['mysqlTls.showSystemSchemas'];
    }
  });
});
