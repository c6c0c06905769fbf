/**
 * The probe against a server that accepts the login and then never answers: a relay in front of the real
 * sandbox (DISABLED, so the relay can see the packets) that stops forwarding at the first COM_QUERY, which is
 * the probe's SHOW SESSION STATUS. The probe must end with connect-timeout, not wait for ever.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRelay, type Relay } from '../../helpers/relay';
import { loadSandbox } from '../../helpers/sandbox';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');

/** A relay that stops forwarding, both ways, once the client sends its first COM_QUERY (sequence 0, command 0x03). */
function startRelaySilentAtFirstQuery(target: { host: string; port: number }): Promise<Relay> {
  return startRelay(target, () => {
    let silent = false;
    return {
      fromClient: (c) => !(silent ||= c.length >= 5 && c[3] === 0 && c[4] === 0x03),
      fromServer: () => !silent,
    };
  });
}

describe('probe: the server view has a timeout', () => {
  const sb = loadSandbox();
  let relay: Awaited<ReturnType<typeof startRelaySilentAtFirstQuery>>;
  before(async () => (relay = await startRelaySilentAtFirstQuery({ host: sb.host, port: sb.servers.tls.port })));
  after(() => relay.close());

  it('a server that logs in and never answers SHOW SESSION STATUS ends with connect-timeout (exit 1)', async () => {
    const account = sb.accounts.app_none!;
    const r = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) =>
      execFile(
        process.execPath,
        [CLI, 'probe', '--host', '127.0.0.1', '--port', String(relay.port), '--user', account.user, '--ssl-mode', 'DISABLED', '--timeout', '1500', '--json'],
        // The guard is below the session's 10 s default: the probe must use its own --timeout for the server view.
        { env: { ...process.env, MYSQL_PWD: account.password }, timeout: 8_000 },
        (err, stdout) =>
          resolve({
            code: err ? ((err as { code?: number | null }).code ?? null) : 0,
            signal: err ? ((err as { signal?: NodeJS.Signals | null }).signal ?? null) : null,
            stdout,
          }),
      ),
    );
    assert.equal(r.signal, null, 'the probe hung (killed by the guard)');
    assert.equal(r.code, 1, r.stdout);
    assert.equal((JSON.parse(r.stdout) as { error: { cause: string } }).error.cause, 'connect-timeout');
  });
});
