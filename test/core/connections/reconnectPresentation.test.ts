import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionStatus } from '../../../src/core/connections/connectionRegistry';
import { iconKindOf, statusBarPresentation, tlsSummaryMarkdown } from '../../../src/core/presentation/connectionPresentation';
import { MysqlTlsError } from '../../../src/core/errors';

describe('the reconnecting state in the UI texts', () => {
  const profile = { host: 'db.example.com', user: 'app', ssl: { mode: 'VERIFY_IDENTITY' as const } };
  const status: ConnectionStatus = {
    id: 'c',
    state: 'reconnecting',
    since: new Date(),
    reconnect: { attempt: 2, maxAttempts: 5, reason: new MysqlTlsError('connection-lost', 'the server closed the connection') },
  };

  it('status bar: spinner, name and attempt, warning colour', () => {
    const view = statusBarPresentation('Orders', profile, status);
    assert.equal(view.text, '$(sync~spin) Orders: reconnecting (2/5)');
    assert.equal(view.background, 'warning');
  });

  it('tooltip names the attempt, the mode kept and why it was lost; the icon spins', () => {
    const md = tlsSummaryMarkdown('Orders', profile, status);
    assert.match(md, /attempt 2 of 5/);
    assert.match(md, /VERIFY_IDENTITY/);
    assert.match(md, /closed unexpectedly/);
    assert.equal(iconKindOf(status), 'connecting');
  });
});
