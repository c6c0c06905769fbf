import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_TIMEOUT_MS, parsePort, parseTimeoutMs } from '../../../src/cli/main';
import { MysqlTlsError } from '../../../src/core/errors';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');

/** Runs the probe; `guardMs` only stops a hung probe so the test fails instead of hanging. */
function probe(args: string[], guardMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.MYSQL_PWD;
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, 'probe', ...args], { env, timeout: guardMs }, (err, stdout, stderr) =>
      resolve({
        code: err ? ((err as { code?: number | null }).code ?? null) : 0,
        signal: err ? ((err as { signal?: NodeJS.Signals | null }).signal ?? null) : null,
        stdout,
        stderr,
      }),
    ),
  );
}

const usageError = (option: string) => (e: unknown) =>
  e instanceof MysqlTlsError && e.code === 'config-invalid' && e.field === option && e.fix.includes(option);

describe('probe option values', () => {
  it('--port takes decimal digits from 1 to 65535 only', () => {
    for (const ok of ['1', '80', '3306', '65535', '03306']) assert.equal(parsePort(ok), Number(ok), ok);
    for (const bad of ['', 'abc', '0xB0D4', '1e3', ' 80', '80 ', '+80', '-1', '0', '65536', '3306.0', '99999999', '٣٣٠٦', 'Infinity']) {
      assert.throws(() => parsePort(bad), usageError('--port'), JSON.stringify(bad));
    }
  });

  it('--timeout takes whole milliseconds from 1 to 2^31-1 only', () => {
    for (const ok of ['1', '300', '10000', String(MAX_TIMEOUT_MS)]) assert.equal(parseTimeoutMs(ok), Number(ok), ok);
    for (const bad of ['', '0', '-5', '1.5', '1e4', '0x10', ' 100', String(MAX_TIMEOUT_MS + 1), '99999999999', 'Infinity', 'abc']) {
      assert.throws(() => parseTimeoutMs(bad), usageError('--timeout'), JSON.stringify(bad));
    }
  });
});

describe('mysql-tls probe usage errors', { timeout: 120_000 }, () => {
  // A server that accepts connections and never says anything: a probe without a working timeout hangs on it.
  let silent: net.Server;
  let silentPort = 0;
  const sockets = new Set<net.Socket>();
  before(async () => {
    silent = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  const cases: [string[], string][] = [
    [['--port', 'abc'], '--port'],
    [['--port='], '--port'],
    [['--port', '0xB0D4'], '--port'],
    [['--port', '1e3'], '--port'],
    [['--port', ' 80'], '--port'],
    [['--port', '0'], '--port'],
    [['--port', '65536'], '--port'],
    [['--timeout', '0'], '--timeout'],
    [['--timeout=-5'], '--timeout'],
    [['--timeout', '1.5'], '--timeout'],
    [['--timeout', '2147483648'], '--timeout'],
    [['--timeout', '99999999999'], '--timeout'],
    [['--no-such-flag'], '--no-such-flag'],
    [['--ssl-mode', 'SOMETIMES'], '--ssl-mode'],
    [['--tls-version', 'TLSv9'], '--tls-version'],
  ];
  for (const [args, option] of cases) {
    it(`${args.join(' ')}: exit 2, naming ${option} and the fix`, async () => {
      // Aimed at the silent server, so an option that slipped through would hang or fail with 1, not 2.
      const r = await probe(['--host', '127.0.0.1', '--port', String(silentPort), '--user', 'x', '--no-password', ...args]);
      assert.equal(r.signal, null, 'the probe hung');
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`\\(${option}\\)`));
      assert.match(r.stderr, /fix: /);
    });
  }

  it('a missing option value and a stray argument exit 2 too', async () => {
    const missing = await probe(['--no-password', '--port']);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /\(--port\)/);
    const stray = await probe(['--no-password', 'extra']);
    assert.equal(stray.code, 2, stray.stderr);
    assert.match(stray.stderr, /Unexpected argument 'extra'/);
  });

  it('--json: a usage error is a JSON error naming the option', async () => {
    const r = await probe(['--json', '--no-password', '--port', 'abc']);
    assert.equal(r.code, 2);
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { cause: string; field: string; fix: string } };
    assert.equal(out.ok, false);
    assert.equal(out.error.field, '--port');
    assert.match(out.error.fix, /1 to 65535/);
  });

  it('--timeout is passed through: a silent server fails with connect-timeout (exit 1), not a hang', async () => {
    const r = await probe(['--host', '127.0.0.1', '--port', String(silentPort), '--user', 'x', '--no-password', '--timeout', '300', '--json']);
    assert.equal(r.signal, null, 'the probe hung');
    assert.equal(r.code, 1, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { error: { cause: string } }).error.cause, 'connect-timeout');
  });
});
