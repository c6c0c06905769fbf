/** The per-connection `readOnly` flag in mysqlTls.connections: parsed, validated, written back. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConnectionSettings, settingsEntryOf } from '../../../src/core/settings/connectionSettings';

describe('readOnly connection setting', () => {
  it('reads readOnly: true into the profile and writes it back; false or absent means writable', () => {
    const parsed = parseConnectionSettings([
      {
        scope: 'user',
        value: [
          { id: 'ro', host: 'db', user: 'u', readOnly: true },
          { id: 'rw', host: 'db', user: 'u', readOnly: false },
          { id: 'plain', host: 'db', user: 'u' },
        ],
      },
    ]);
    assert.deepEqual(parsed.problems, []);
    const [ro, rw, plain] = parsed.connections;
    assert.equal(ro!.profile.readOnly, true);
    assert.equal(rw!.profile.readOnly, undefined);
    assert.equal(plain!.profile.readOnly, undefined);
    assert.equal(settingsEntryOf(ro!.profile).readOnly, true);
    assert.equal('readOnly' in settingsEntryOf(plain!.profile), false);
  });

  it('rejects a readOnly that is not a boolean, naming the field (never a silently writable connection)', () => {
    const parsed = parseConnectionSettings([{ scope: 'workspace', value: [{ id: 'x', host: 'db', user: 'u', readOnly: 'yes' }] }]);
    assert.equal(parsed.connections.length, 0);
    assert.equal(parsed.invalid[0]!.problems[0]!.field, 'readOnly');
    assert.match(parsed.invalid[0]!.problems[0]!.message, /readOnly must be true or false/);
  });
});
