/**
 * A table node's tooltip is made on hover (resolveTreeItem), with the row estimate read for that table when its
 * level was listed without estimates (a level of more than INLINE_ESTIMATES_MAX_TABLES tables). Fake VS Code, real
 * sandbox session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openSession, type Session } from '../../../src/core/mysql/session';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';
import { createFakeVscode, installFakeVscode } from './fakeVscode';

describe('a table node tooltip', () => {
  const fake = createFakeVscode();
  const uninstall = installFakeVscode(fake);
  const DB = 'mysqltls_tooltip_test';
  let session: Session;
  before(async () => {
    const sb = loadSandbox();
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    session = await openSession({ profile, secrets });
    await session.query(`DROP DATABASE IF EXISTS ${DB}`);
    await session.query(`CREATE DATABASE ${DB}`);
    await session.query(`CREATE TABLE ${DB}.orders (id INT) ENGINE=MEMORY COMMENT 'all <b>orders</b>'`);
    await session.query(`INSERT INTO ${DB}.orders VALUES (1), (2), (3), (4)`);
  });
  after(async () => {
    await session.query(`DROP DATABASE IF EXISTS ${DB}`);
    await session.close();
    uninstall();
  });

  it('is not sent with the level; on hover it reads the estimate of a table listed without one', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { TableNode } = require('../../../src/vscode/tree/tableNode') as typeof import('../../../src/vscode/tree/tableNode');
    const node = new TableNode('c1', DB, { name: 'orders', kind: 'table', engine: 'MEMORY', comment: 'all <b>orders</b>' }, session);
    const item = node.toTreeItem();
    assert.equal(item.tooltip, undefined, 'the level carries no tooltips');
    const resolved = await node.resolveTreeItem(item);
    assert.equal(resolved.tooltip, `${DB}.orders (table)\nengine MEMORY\nabout 4 rows (estimate)\nall <b>orders</b>`);
  });

  it('uses the estimate the level brought, and says nothing of one for a view', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { TableNode } = require('../../../src/vscode/tree/tableNode') as typeof import('../../../src/vscode/tree/tableNode');
    const listed = new TableNode('c1', DB, { name: 'orders', kind: 'table', rowEstimate: 1234 }, session);
    assert.match(String((await listed.resolveTreeItem(listed.toTreeItem())).tooltip), /about 1,234 rows \(estimate\)/);
    const view = new TableNode('c1', DB, { name: 'v', kind: 'view' }, session);
    assert.equal((await view.resolveTreeItem(view.toTreeItem())).tooltip, `${DB}.v (view)`);
  });
});
