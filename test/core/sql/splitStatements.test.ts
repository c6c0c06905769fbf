import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isReadOnlyStatement, isUnboundedWrite, splitStatements, statementAt } from '../../../src/core/sql/splitStatements';

describe('splitStatements', () => {
  it('splits on ; outside quotes, backticks and comments', () => {
    const sql = 'SELECT \'a;b\'; SELECT "c;d" -- x;y\n; SELECT `e;f` /* g;h */ FROM t;\n# only a comment;\n';
    assert.deepEqual(
      splitStatements(sql).map((s) => s.text),
      ["SELECT 'a;b'", 'SELECT "c;d" -- x;y', 'SELECT `e;f` /* g;h */ FROM t'],
    );
  });
  it('handles escaped and doubled quotes', () => {
    assert.deepEqual(
      splitStatements("SELECT 'it\\'s;'; SELECT 'x'';y'").map((s) => s.text),
      ["SELECT 'it\\'s;'", "SELECT 'x'';y'"],
    );
  });
  it('understands DELIMITER', () => {
    const sql = 'DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\nDELIMITER ;\nCALL p();';
    assert.deepEqual(
      splitStatements(sql).map((s) => s.text),
      ['CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END', 'CALL p()'],
    );
  });
  it('offsets point into the original text', () => {
    const sql = '  SELECT 1;\n\nSELECT 2  ;';
    for (const s of splitStatements(sql)) assert.equal(sql.slice(s.start, s.end), s.text);
  });
  it('statementAt finds the statement under the cursor', () => {
    const sql = 'SELECT 1;\nSELECT 2;\nSELECT 3';
    const st = splitStatements(sql);
    assert.equal(statementAt(st, sql.indexOf('2'))?.text, 'SELECT 2');
    assert.equal(statementAt(st, 0)?.text, 'SELECT 1');
    assert.equal(statementAt(st, sql.length)?.text, 'SELECT 3');
  });
});

describe('statement safety', () => {
  it('read-only statements', () => {
    for (const s of ['SELECT 1', '  /* c */ show tables', 'EXPLAIN SELECT 1', 'with x as (select 1) select * from x', 'DESCRIBE t'])
      assert.equal(isReadOnlyStatement(s), true, s);
    for (const s of [
      'UPDATE t SET a=1',
      'DELETE FROM t',
      'INSERT INTO t VALUES (1)',
      'DROP TABLE t',
      'SELECT * FROM t FOR UPDATE',
      "SELECT 1 INTO OUTFILE '/tmp/x'",
      'CALL p()',
    ])
      assert.equal(isReadOnlyStatement(s), false, s);
  });
  it('UPDATE/DELETE without WHERE', () => {
    assert.equal(isUnboundedWrite('DELETE FROM t'), true);
    assert.equal(isUnboundedWrite("UPDATE t SET note = 'where'"), true);
    assert.equal(isUnboundedWrite('UPDATE t SET a=1 WHERE id=2'), false);
    assert.equal(isUnboundedWrite('SELECT 1'), false);
  });
});
