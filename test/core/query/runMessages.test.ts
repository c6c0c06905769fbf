/**
 * The words of the results view: counts ("1 row", "3 rows"), statement labels ("Statement 2 (line 3)") and
 * the run's state line ("2 of 3 statements ran"), checked on a real run against the sandbox where the
 * numbers come from the run itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openSession, type Session } from '../../../src/core/mysql/session';
import {
  cancelledMessage,
  countOf,
  doneMessage,
  runningMessage,
  statementLabel,
  statementsRan,
  truncatedMessage,
} from '../../../src/core/query/resultsMessages';
import { positionOf, runStatements, statementsToRun, summarizeStatement } from '../../../src/core/query/runStatements';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

describe('results view wording', () => {
  it('counts with the right plural and en-US digit groups', () => {
    assert.equal(countOf(0, 'row'), '0 rows');
    assert.equal(countOf(1, 'row'), '1 row');
    assert.equal(countOf(3, 'row'), '3 rows');
    assert.equal(countOf(1_000_000, 'row'), '1,000,000 rows');
    assert.equal(countOf(2, 'match', 'matches'), '2 matches');
  });

  it('labels statements by number and line', () => {
    assert.equal(statementLabel(0, 1), 'Statement 1 (line 1)');
    assert.equal(statementLabel(1, 3), 'Statement 2 (line 3)');
  });

  it('says how many statements ran, never "statement(s)"', () => {
    assert.equal(statementsRan(1, 1), '1 statement ran');
    assert.equal(statementsRan(3, 3), '3 statements ran');
    assert.equal(statementsRan(2, 3), '2 of 3 statements ran');
    assert.equal(statementsRan(0, 3), '0 of 3 statements ran');
    assert.equal(statementsRan(0, 1), 'it did not finish');
    assert.equal(doneMessage(1, '12 ms'), '1 statement ran · 12 ms');
    assert.equal(runningMessage(1, 3, 4), 'Running statement 2 of 3 (line 4)…');
    assert.equal(runningMessage(0, 1, 1), 'Running the statement (line 1)…');
    assert.equal(cancelledMessage(1, 3, 3, 1, '1.20 s'), 'Cancelled (KILL QUERY) during statement 2 (line 3) after 1.20 s; 1 of 3 statements ran.');
    assert.equal(cancelledMessage(0, 1, 1, 0, '2.00 s'), 'Cancelled (KILL QUERY) during statement 1 (line 1) after 2.00 s; it did not finish.');
    assert.equal(
      truncatedMessage('Truncated after 5 rows: the disk is full', 0, 1, 2, 0),
      'Truncated after 5 rows: the disk is full. The query was stopped (KILL QUERY) during statement 1 (line 1); 0 of 2 statements ran.',
    );
    for (const text of [statementsRan(0, 3), doneMessage(2, '1 ms'), cancelledMessage(0, 1, 2, 0, '1 ms')]) assert.doesNotMatch(text, /\(s\)/);
  });
});

describe('results view wording on a real run (sandbox)', () => {
  let session: Session;
  before(async () => {
    const sb = loadSandbox();
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    session = await openSession({ profile, secrets });
  });
  after(async () => {
    await session.close();
  });

  it('reports "2 of 3 statements ran" and the failing statement by number and line', async () => {
    const text = 'SELECT 1 AS one;\n\nSELECT 2 AS a UNION ALL SELECT 3 UNION ALL SELECT 4;\nSELECT * FROM no_such_db_here.t;';
    const statements = statementsToRun(text, { kind: 'all' });
    const outcome = await runStatements(session, statements);
    assert.equal(outcome.kind, 'error');
    assert.equal(outcome.kind === 'error' && outcome.statementIndex, 2);
    assert.equal(statementsRan(outcome.completed.length, statements.length), '2 of 3 statements ran');
    assert.equal(statementLabel(outcome.kind === 'error' ? outcome.statementIndex : -1, positionOf(text, statements[2]!.start).line), 'Statement 3 (line 4)');
    assert.match(summarizeStatement(outcome.completed[0]!), /^1 row · /);
    assert.match(summarizeStatement(outcome.completed[1]!), /^3 rows · /);
  });
});
