/**
 * MySQL 5.6 (still offered by TencentDB) has no mysql.user.account_locked: the account-TLS commands read the
 * accounts without it instead of failing with 1054. On the MySQL double's catalog (MySQL cannot be installed
 * here; see test/helpers/mysql8/catalog.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readAccountTls } from '../../../src/core/server/accountTls';
import { listAccountTls } from '../../../src/core/server/accountTlsChoices';
import { mysql8Catalog } from '../../helpers/mysql8/catalog';
import { catalogRunner } from './catalogRunner';

describe('account TLS commands on MySQL 5.6', () => {
  const accounts = [
    { user: 'app', host: '%', sslType: 'ANY' as const },
    { user: 'legacy', host: 'localhost', sslType: '' as const },
  ];

  test('the account list and one account are read without account_locked', async () => {
    const runner = catalogRunner(mysql8Catalog({ flavour: '5.6.51', accounts }));
    const listed = await listAccountTls(runner);
    assert.deepEqual(
      listed.filter((a) => a.user === 'app' || a.user === 'legacy').map((a) => [a.user, a.host, a.requirement.type, a.locked]),
      [
        ['app', '%', 'SSL', false],
        ['legacy', 'localhost', 'NONE', false],
      ],
    );
    const one = await readAccountTls(runner, { user: 'app', host: '%' });
    assert.equal(one?.requirement.type, 'SSL');
    assert.ok(
      runner.statements.some((s) => /account_locked/.test(s)),
      'the 8.0 query was tried first',
    );
  });

  test('on 8.0 the locked flag is read', async () => {
    const runner = catalogRunner(mysql8Catalog({ flavour: '8.0.36', accounts: [{ user: 'app', host: '%', sslType: 'ANY', locked: true }] }));
    const one = await readAccountTls(runner, { user: 'app', host: '%' });
    assert.equal(one?.locked, true);
  });
});
