/**
 * "Copy as mysql Command Line" puts settings values (which an untrusted workspace can set) into a line the
 * user pastes into a shell. These tests run the generated lines through real shells, and the MariaDB
 * flavour through the real `mariadb` client against the sandbox. The MySQL 8 client cannot be installed
 * here, so its flavour is checked as text only.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MysqlTlsError } from '../../../src/core/errors';
import { mysqlCommandLine, shellQuote, type ClientFlavour } from '../../../src/core/presentation/mysqlCommandLine';
import type { ConnectionProfile } from '../../../src/core/profile';
import type { SslMode } from '../../../src/core/tls/sslMode';
import type { SandboxDescription } from '../../../scripts/sandbox';
import { tempDir } from '../certificates/fixtures';
import { loadSandbox } from '../../helpers/sandbox';

const tmp = tempDir('mysql-tls-cmdline-');
const MARKER = path.join(tmp.dir, 'pwned');
const q = (s: string) => s.replace(/MARKER/g, MARKER);

/** Values that break out of a badly quoted or badly placed word; each would create MARKER if run. */
const HOSTILE = [
  q('$(touch MARKER)'),
  q('`touch MARKER`'),
  q("'; touch MARKER; '"),
  q('"; touch MARKER; "'),
  q('x; touch MARKER'),
  q('x && touch MARKER'),
  q('x | touch MARKER'),
  q('x\ntouch MARKER'),
  q("it's \\'; touch MARKER #"),
  q('--init-command=SELECT 1; touch MARKER'),
  '-e',
  '--execute=DROP DATABASE x',
  '~root',
  '*',
  '!!',
  '${HOME}',
  '',
  ' leading and trailing ',
  'ünïcødé',
];

const SHELLS = ['sh', 'bash'];

// MARKER's folder must exist until the last test: in a missing folder `touch` fails and a check passes vacuously.
after(() => tmp.remove());

function clearMarker(): void {
  rmSync(MARKER, { force: true });
}

describe('shellQuote', () => {
  for (const shell of SHELLS) {
    it(`${shell}: every hostile value comes back as one unchanged word and runs nothing`, () => {
      for (const value of HOSTILE) {
        clearMarker();
        // printf '<%s>' prints each word in brackets: one word, unchanged, means one bracketed copy.
        const out = execFileSync(shell, ['-c', `printf '<%s>' ${shellQuote(value)}`], { encoding: 'utf8' });
        assert.equal(out, `<${value}>`, JSON.stringify(value));
        assert.equal(existsSync(MARKER), false, `${JSON.stringify(value)} ran a command`);
      }
    });
  }

  it('leaves plain words readable', () => {
    assert.equal(shellQuote('/home/me/ca.pem'), '/home/me/ca.pem');
    assert.equal(shellQuote('db.example.com'), 'db.example.com');
    assert.equal(shellQuote("o'brien"), `'o'\\''brien'`);
  });
});

const PROFILE: ConnectionProfile = {
  host: 'db.example.com',
  port: 3307,
  user: 'app',
  database: 'shop',
  connectTimeoutMs: 5000,
  ssl: { ca: '/etc/ca.pem', cert: '/etc/c.pem', key: '/etc/k.pem', minVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' },
};
const withMode = (mode: SslMode, ssl: ConnectionProfile['ssl'] = {}): ConnectionProfile => ({ ...PROFILE, ssl: { ...PROFILE.ssl, mode, ...ssl } });
const TAIL =
  '--ssl-ca=/etc/ca.pem --ssl-cert=/etc/c.pem --ssl-key=/etc/k.pem --tls-version=TLSv1.2,TLSv1.3 --ssl-cipher=ECDHE-RSA-AES256-GCM-SHA384 --connect-timeout=5 --database=shop';
const HEAD = '--host=db.example.com --port=3307 --user=app -p';

describe('mysqlCommandLine', () => {
  it('MySQL 8 client: --ssl-mode says every mode exactly', () => {
    for (const mode of ['PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const) {
      assert.equal(mysqlCommandLine(withMode(mode), undefined, 'mysql'), `mysql ${HEAD} --ssl-mode=${mode} ${TAIL}`);
    }
    assert.equal(mysqlCommandLine(withMode('DISABLED'), undefined, 'mysql'), `mysql ${HEAD} --ssl-mode=DISABLED --connect-timeout=5 --database=shop`);
  });

  it('MariaDB client: --ssl / --ssl-verify-server-cert / --skip-ssl, the stricter choice where a mode has no equivalent, said in fixed words', () => {
    const line = (mode: SslMode) => mysqlCommandLine(withMode(mode), undefined, 'mariadb');
    assert.equal(line('DISABLED'), `mariadb ${HEAD} --skip-ssl --connect-timeout=5 --database=shop`);
    assert.equal(line('PREFERRED'), `mariadb ${HEAD} --ssl ${TAIL}`);
    assert.equal(
      line('REQUIRED'),
      `mariadb ${HEAD} --ssl --ssl-verify-server-cert ${TAIL}  # REQUIRED has no MariaDB client option: --ssl alone falls back to plaintext, so the server certificate is verified too (needs the CA in --ssl-ca)`,
    );
    assert.equal(
      line('VERIFY_CA'),
      `mariadb ${HEAD} --ssl --ssl-verify-server-cert ${TAIL}  # VERIFY_CA has no MariaDB client option: --ssl-verify-server-cert also checks the host name`,
    );
    assert.equal(line('VERIFY_IDENTITY'), `mariadb ${HEAD} --ssl --ssl-verify-server-cert ${TAIL}`);
    for (const mode of ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const) assert.doesNotMatch(line(mode), /--ssl-mode/);
  });

  for (const flavour of ['mysql', 'mariadb'] as ClientFlavour[]) {
    it(`${flavour}: ssl.servername and ssl.pfx are never copied into the line, not even into a comment`, () => {
      for (const value of HOSTILE.filter((v) => v.length > 2 && !v.includes('\n'))) {
        const line = mysqlCommandLine(withMode('VERIFY_IDENTITY', { servername: value, pfx: value, cert: undefined, key: undefined }), undefined, flavour);
        assert.ok(!line.includes(value), `${JSON.stringify(value)} appears in ${line}`);
        assert.match(line, /# ssl\.servername is set, but the client checks the certificate against --host/);
        assert.match(line, /# ssl\.pfx has no client option/);
      }
    });

    it(`${flavour}: a line break in ssl.servername or ssl.pfx does not start a second command when the line is run`, () => {
      const dir = tempDir('mysql-tls-cmdline-nl-');
      try {
        // A stand-in client that does nothing: only what the shell runs besides it matters here.
        writeFileSync(path.join(dir.dir, flavour), '#!/bin/sh\nexit 0\n');
        chmodSync(path.join(dir.dir, flavour), 0o755);
        for (const ssl of [{ servername: q('db.example.com\ntouch MARKER') }, { pfx: q('/p.p12\ntouch MARKER'), cert: undefined, key: undefined }]) {
          clearMarker();
          const line = mysqlCommandLine(withMode('VERIFY_IDENTITY', ssl), undefined, flavour);
          const r = spawnSync('bash', ['-c', line], { env: { PATH: `${dir.dir}:/usr/bin:/bin` }, encoding: 'utf8' });
          assert.equal(r.status, 0, r.stderr);
          assert.equal(existsSync(MARKER), false, `the line ran a second command: ${JSON.stringify(line)}`);
          assert.ok(!line.includes('\n'), 'the line is one line');
        }
      } finally {
        dir.remove();
      }
    });

    it(`${flavour}: every value is one --option=value word; the database is --database=…, never a positional argument`, () => {
      const line = mysqlCommandLine({ ...PROFILE, database: '--init-command=DROP DATABASE shop' }, undefined, flavour);
      assert.match(line, / --database='--init-command=DROP DATABASE shop'( |$)/);
      // Every word the shell sees after the client name is an option or -p.
      const words = execFileSync('bash', ['-c', `f() { printf '%s\\0' "$@"; }; f ${line.split('  #')[0]!.slice(flavour.length + 1)}`], { encoding: 'utf8' })
        .split('\0')
        .slice(0, -1);
      for (const w of words) assert.match(w, /^(--[a-z-]+(=.*)?|-p)$/s, w);
      assert.ok(words.includes('--database=--init-command=DROP DATABASE shop'));
    });

    it(`${flavour}: a value with a line break or another control character is refused, naming the setting`, () => {
      const cases: [Partial<ConnectionProfile>, string][] = [
        [{ database: q('shop\ntouch MARKER') }, 'database'],
        [{ host: 'db\r.example.com' }, 'host'],
        [{ user: 'app\u0001touch' }, 'user'],
        [{ ssl: { mode: 'VERIFY_CA', ca: '/ca.pem\u001b[201~' } }, 'ssl.ca'],
        [{ ssl: { mode: 'REQUIRED', ciphers: 'AES\tGCM' } }, 'ssl.ciphers'],
        [{ ssl: { mode: 'REQUIRED', key: '/k\u009b.pem', cert: '/c.pem' } }, 'ssl.key'],
      ];
      for (const [change, field] of cases) {
        assert.throws(
          () => mysqlCommandLine({ ...PROFILE, ...change }, undefined, flavour),
          (e: unknown) => e instanceof MysqlTlsError && e.code === 'config-invalid' && e.field === field && /control character/.test(e.detail),
          field,
        );
      }
    });
  }

  it('with hostile values in every field, pasting the line into bash runs nothing but the client', () => {
    const dir = tempDir('mysql-tls-cmdline-run-');
    try {
      writeFileSync(path.join(dir.dir, 'mysql'), '#!/bin/sh\nprintf "%s\\0" "$@" > "$ARGV_FILE"\n');
      chmodSync(path.join(dir.dir, 'mysql'), 0o755);
      for (const value of HOSTILE.filter((v) => v !== '' && !v.includes('\n'))) {
        clearMarker();
        const profile: ConnectionProfile = {
          host: value,
          user: value,
          database: value,
          ssl: { mode: 'VERIFY_IDENTITY', ca: value, cert: value, key: value, ciphers: value, servername: value, pfx: value },
        };
        const line = mysqlCommandLine(profile, { baseDir: '/base', home: '/home/me' }, 'mysql');
        const argvFile = path.join(dir.dir, 'argv');
        const r = spawnSync('bash', ['-c', line], { env: { PATH: `${dir.dir}:/usr/bin:/bin`, ARGV_FILE: argvFile }, encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(existsSync(MARKER), false, `${JSON.stringify(value)} ran a command`);
        const argv = readFileSync(argvFile, 'utf8').split('\0').slice(0, -1);
        assert.equal(
          argv.find((a) => a.startsWith('--database=')),
          `--database=${value}`,
        );
        assert.equal(
          argv.find((a) => a.startsWith('--host=')),
          `--host=${value}`,
        );
        assert.equal(
          argv.find((a) => a.startsWith('--ssl-cipher=')),
          `--ssl-cipher=${value}`,
        );
      }
    } finally {
      dir.remove();
    }
  });
});

/** The real MariaDB client on this machine, given the generated line verbatim through bash. */
describe('the MariaDB command line runs in the real mariadb client', { timeout: 120_000 }, () => {
  let sb: SandboxDescription;
  const dir = tempDir('mysql-tls-mariadb-');
  const argvFile = path.join(dir.dir, 'argv');
  before(() => {
    sb = loadSandbox();
    const real = execFileSync('sh', ['-c', 'command -v mariadb'], { encoding: 'utf8' }).trim();
    // A stand-in first on PATH records the argv the shell produced, drops the -p that would prompt, reads
    // the password from a defaults file (never argv) and runs the real client with a query.
    writeFileSync(
      path.join(dir.dir, 'mariadb'),
      `#!/bin/sh
printf '%s\\0' "$@" > "$ARGV_FILE"
for a in "$@"; do shift; [ "$a" = "-p" ] || set -- "$@" "$a"; done
exec ${real} --defaults-file="$DEFAULTS_FILE" "$@" -N -B -e "SELECT DATABASE(), (SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version')" </dev/null
`,
    );
    chmodSync(path.join(dir.dir, 'mariadb'), 0o755);
  });
  after(() => dir.remove());

  function run(profile: ConnectionProfile, password: string): { status: number | null; stdout: string; stderr: string; argv: string[] } {
    const defaults = path.join(dir.dir, 'my.cnf');
    writeFileSync(defaults, `[client]\npassword=${password}\n`, { mode: 0o600 });
    rmSync(argvFile, { force: true });
    const line = mysqlCommandLine(profile, undefined, 'mariadb');
    const r = spawnSync('bash', ['-c', line], {
      env: { ...process.env, PATH: `${dir.dir}:${process.env.PATH}`, ARGV_FILE: argvFile, DEFAULTS_FILE: defaults },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, argv: readFileSync(argvFile, 'utf8').split('\0').slice(0, -1) };
  }

  const x509 = (mode: SslMode, extra: Partial<ConnectionProfile> = {}): ConnectionProfile => ({
    host: sb.host,
    port: sb.servers.tls.port,
    user: sb.accounts.app_x509!.user,
    database: 'mysql',
    connectTimeoutMs: 10_000,
    ssl: { mode, ca: sb.certs.ca, cert: sb.certs.clientCert, key: sb.certs.clientKey, minVersion: 'TLSv1.2' },
    ...extra,
  });

  for (const mode of ['PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const) {
    it(`${mode}: the client accepts every option and connects over TLS with the client certificate`, () => {
      const r = run(x509(mode), sb.accounts.app_x509!.password);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^mysql\tTLSv1\.[23]\n$/);
      assert.ok(r.argv.includes('-p'), 'the line asks for the password instead of carrying it');
    });
  }

  it('DISABLED: --skip-ssl connects in plaintext', () => {
    const r = run({ host: sb.host, port: sb.servers.tls.port, user: sb.accounts.app_none!.user, ssl: { mode: 'DISABLED' } }, sb.accounts.app_none!.password);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'NULL\t\n');
  });

  it('PREFERRED is --ssl, which the client takes as PREFERRED: plaintext when the server offers no TLS', () => {
    const r = run({ host: sb.host, port: sb.servers.plain.port, user: sb.accounts.app_none!.user, ssl: { mode: 'PREFERRED' } }, sb.accounts.app_none!.password);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'NULL\t\n');
  });

  it('REQUIRED is written with --ssl-verify-server-cert, so a server without TLS is refused rather than used in plaintext', () => {
    const r = run(
      { host: sb.host, port: sb.servers.plain.port, user: sb.accounts.app_none!.user, ssl: { mode: 'REQUIRED', ca: sb.certs.ca } },
      sb.accounts.app_none!.password,
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /SSL is required, but the server does not support it/);
  });

  it('VERIFY_CA is written with the host check, so a certificate for another name is refused (the stricter choice)', () => {
    const r = run({ ...x509('VERIFY_CA'), port: sb.servers.wronghost.port }, sb.accounts.app_x509!.password);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /certificate|SSL|TLS/i);
  });

  it('a hostile database or server name reaches the client as one argument and runs nothing', () => {
    for (const value of [q('$(touch MARKER)'), q('`touch MARKER`'), q("x'; touch MARKER; '"), q('--init-command=SELECT 1;touch MARKER'), q('x;touch MARKER')]) {
      clearMarker();
      const r = run(x509('VERIFY_IDENTITY', { database: value, ssl: { ...x509('VERIFY_IDENTITY').ssl, servername: value } }), sb.accounts.app_x509!.password);
      assert.equal(existsSync(MARKER), false, `${JSON.stringify(value)} ran a command`);
      assert.ok(r.argv.includes(`--database=${value}`), r.argv.join(' | '));
      assert.ok(!r.argv.some((a) => a.includes('touch') && !a.startsWith('--database=')), r.argv.join(' | '));
      // The server is asked for that database by name: it does not exist.
      assert.match(r.stderr, /Unknown database|Incorrect database name|Access denied/, r.stderr);
    }
  });
});

describe('mysqlCommandLine and ${env:NAME}', () => {
  it('writes the shell\'s own "${NAME}": the value never appears in the line, and bash finds the same path', () => {
    const env = { CERTS_DIR: '/very/secret-value', SUB: 'n0t-shown' };
    const profile = { host: 'h', user: 'u', ssl: { mode: 'VERIFY_CA' as const, ca: '${env:CERTS_DIR}/ca.pem', key: '/keys/${env:SUB}/k.pem', cert: '/c.pem' } };
    const line = mysqlCommandLine(profile, { env, home: '/home/me' }, 'mysql');
    assert.ok(!line.includes('secret-value') && !line.includes('n0t-shown'), line);
    // Run the words through bash with the variables set: the paths come out as the extension expands them.
    const words = execFileSync('bash', ['-c', `printf '%s\\n' ${line.replace(/^mysql /, '')}`], { env: { ...process.env, ...env }, encoding: 'utf8' }).split(
      '\n',
    );
    assert.ok(words.includes('--ssl-ca=/very/secret-value/ca.pem'), words.join(' '));
    assert.ok(words.includes('--ssl-key=/keys/n0t-shown/k.pem'), words.join(' '));
  });
});
