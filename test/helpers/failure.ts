import assert from 'node:assert/strict';
import { MysqlTlsError } from '../../src/core/errors';

/** The classified error a promise must reject with (a resolve fails the test). */
export async function failure(p: Promise<unknown>): Promise<MysqlTlsError> {
  let err: unknown;
  await p.then(
    () => assert.fail('the login must fail'),
    (e: unknown) => (err = e),
  );
  assert.ok(err instanceof MysqlTlsError, String(err));
  return err;
}
