import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, redactSecrets, type LogSink } from '../../../src/core/logging/logger';

function arraySink(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, trace: push('trace'), debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

const KEY = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKB
xIuOAiCFhQKrwPeO1pB0XBDDd0K8YqNw0XWZq0S8zN0Lp9Q7kz8JpKcXkUyjsbZK
-----END PRIVATE KEY-----`;

describe('Logger redaction', () => {
  it('never writes passwords, passphrases or private key material', () => {
    const sink = arraySink();
    const logger = createLogger(sink).child('connections');
    logger.info(`connecting with password=hunter2 and {"passphrase":"open sesame"}`);
    logger.warn('driver said', new Error(`bad key\n${KEY}`));
    logger.error(`mysql --user=app --password=s3cr3t-pw -h db`);
    logger.debug(`ALTER USER app IDENTIFIED BY 'topsecret'`);
    logger.info('settings', { host: 'h', password: 'json-pw', ssl: { passphrase: 'json-pp' } });
    const out = sink.lines.join('\n');
    for (const secret of [
      'hunter2',
      'open sesame',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKB',
      's3cr3t-pw',
      'topsecret',
      'json-pw',
      'json-pp',
    ]) {
      assert.ok(!out.includes(secret), `"${secret}" leaked into the log:\n${out}`);
    }
    assert.match(out, /\[connections\] connecting with password=«redacted»/);
    assert.match(out, /BEGIN PRIVATE KEY----- «redacted» -----END PRIVATE KEY/);
    assert.equal(sink.lines.length, 5);
    assert.match(sink.lines[1]!, /^warn \[connections\] driver said Error: bad key/);
  });

  it('masks registered secret values wherever they appear, across child loggers', () => {
    const sink = arraySink();
    const root = createLogger(sink);
    const child = root.child('a').child('b');
    root.addSecret('Tr0ub4dor&3');
    child.info('Access denied for user app (using Tr0ub4dor&3)');
    assert.equal(sink.lines[0], 'info [a/b] Access denied for user app (using «redacted»)');
  });

  it('leaves ordinary text alone', () => {
    const text = 'connected app@127.0.0.1:3306: verified-identity, TLSv1.3 TLS_AES_256_GCM_SHA384 (ssl.ca=/etc/ca.pem)';
    assert.equal(redactSecrets(text), text);
    assert.equal(
      redactSecrets('-----BEGIN ENCRYPTED PRIVATE KEY-----\nabc\n-----END ENCRYPTED PRIVATE KEY-----'),
      '-----BEGIN ENCRYPTED PRIVATE KEY----- «redacted» -----END ENCRYPTED PRIVATE KEY-----',
    );
  });

  // One case per password form a statement or an error message can carry. Each secret is made of
  // distinctive pieces, and the check is that none of its pieces (not just the whole) survives.
  const FORMS: { name: string; text: string; secret: string; keeps?: RegExp }[] = [
    {
      name: "SET PASSWORD FOR ... = PASSWORD('x')",
      text: "SET PASSWORD FOR 'app'@'%' = PASSWORD('Sp1-alpha-bravo')",
      secret: 'Sp1-alpha-bravo',
      keeps: /^SET PASSWORD FOR 'app'@'%' = PASSWORD\('«redacted»'\)$/,
    },
    { name: "SET PASSWORD = PASSWORD('x')", text: "SET PASSWORD = PASSWORD('Sp2-charlie-delta')", secret: 'Sp2-charlie-delta' },
    {
      name: "SET PASSWORD FOR ... = 'x'",
      text: "SET PASSWORD FOR `app`@`10.0.0.%` = 'Sp3-echo-foxtrot'",
      secret: 'Sp3-echo-foxtrot',
      keeps: /^SET PASSWORD FOR `app`@`10\.0\.0\.%` = '«redacted»'$/,
    },
    {
      name: "MariaDB IDENTIFIED VIA ... USING PASSWORD('x')",
      text: "CREATE USER 'm'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('Mv1-golf-hotel') OR unix_socket",
      secret: 'Mv1-golf-hotel',
      keeps: /OR unix_socket$/,
    },
    {
      name: "MariaDB IDENTIFIED VIA ... USING 'hash' OR ... USING 'hash'",
      text: "ALTER USER m IDENTIFIED VIA ed25519 USING 'Mv2-india-juliet' OR mysql_native_password USING 'Mv3-kilo-lima'",
      secret: 'Mv2-india-juliet Mv3-kilo-lima',
    },
    {
      name: 'CHANGE MASTER TO MASTER_PASSWORD=',
      text: "CHANGE MASTER TO MASTER_HOST='db1', MASTER_USER='repl', MASTER_PASSWORD='Rp1-mike-november', MASTER_SSL=1",
      secret: 'Rp1-mike-november',
      keeps: /MASTER_USER='repl', MASTER_PASSWORD='«redacted»', MASTER_SSL=1$/,
    },
    {
      name: 'CHANGE REPLICATION SOURCE TO SOURCE_PASSWORD=',
      text: 'CHANGE REPLICATION SOURCE TO SOURCE_USER="repl", SOURCE_PASSWORD = "Rp2-oscar-papa"',
      secret: 'Rp2-oscar-papa',
    },
    {
      name: "CREATE SERVER ... OPTIONS (PASSWORD 'x')",
      text: "CREATE SERVER s1 FOREIGN DATA WRAPPER mysql OPTIONS (HOST 'db2', USER 'fed', PASSWORD 'Fs1-quebec-romeo', DATABASE 'd')",
      secret: 'Fs1-quebec-romeo',
      keeps: /USER 'fed', PASSWORD '«redacted»', DATABASE 'd'\)$/,
    },
    {
      name: "IDENTIFIED BY PASSWORD '*hash'",
      text: "GRANT USAGE ON *.* TO 'old'@'%' IDENTIFIED BY PASSWORD '*94BDCEBE19083CE2A1F959FD02F964C7AF4CFC29'",
      secret: '94BDCEBE19083CE2A1F959FD02F964C7AF4CFC29',
    },
    {
      name: "IDENTIFIED WITH plugin BY 'x'",
      text: "CREATE USER 'n'@'%' IDENTIFIED WITH caching_sha2_password BY 'Iw1-sierra-tango' REQUIRE X509",
      secret: 'Iw1-sierra-tango',
      keeps: /REQUIRE X509$/,
    },
    {
      name: "IDENTIFIED WITH plugin AS 'hash'",
      text: "CREATE USER 'n'@'%' IDENTIFIED WITH 'mysql_native_password' AS '*Iw2UNIFORMVICTOR0123456789ABCDEF01234567'",
      secret: 'Iw2UNIFORMVICTOR0123456789ABCDEF01234567',
    },
    {
      name: "ALTER USER ... IDENTIFIED BY 'x' REPLACE 'current'",
      text: "ALTER USER CURRENT_USER() IDENTIFIED BY 'Au1-whiskey-xray' REPLACE 'Au2-yankee-zulu' RETAIN CURRENT PASSWORD",
      secret: 'Au1-whiskey-xray Au2-yankee-zulu',
      keeps: /RETAIN CURRENT PASSWORD$/,
    },
    { name: "GRANT ... IDENTIFIED BY 'x'", text: "GRANT SELECT ON db.* TO 'g'@'%' IDENTIFIED BY 'Gr1-amber-basalt'", secret: 'Gr1-amber-basalt' },
    { name: 'double-quoted string', text: 'CREATE USER d IDENTIFIED BY "Dq1-cobalt-dune"', secret: 'Dq1-cobalt-dune' },
    {
      name: 'escaped quotes inside the string',
      text: String.raw`ALTER USER e IDENTIFIED BY 'Eq1-it\'s-ember\'s' ACCOUNT UNLOCK`,
      secret: 'Eq1-it s-ember s',
      keeps: /ACCOUNT UNLOCK$/,
    },
    {
      name: 'doubled quotes inside the string',
      text: "ALTER USER e IDENTIFIED BY 'Eq2-fern''s-garnet' PASSWORD EXPIRE NEVER",
      secret: 'Eq2-fern s-garnet',
      keeps: /PASSWORD EXPIRE NEVER$/,
    },
    {
      name: 'escaped quote in a double-quoted assignment',
      text: String.raw`{"password":"Jq1-\"harbor\"-ivory","user":"u"}`,
      secret: 'Jq1- harbor -ivory',
      keeps: /"user":"u"\}$/,
    },
    { name: 'a message cut inside the secret', text: "ALTER USER c IDENTIFIED BY 'Ct1-jasper-kelp", secret: 'Ct1-jasper-kelp' },
    {
      name: 'credentials in a URL',
      text: 'connecting to mysql://app:Ur1-lagoon-marble@db.example:3306/app',
      secret: 'Ur1-lagoon-marble',
      keeps: /mysql:\/\/app:«redacted»@db\.example:3306\/app$/,
    },
  ];

  for (const form of FORMS) {
    it(`redacts ${form.name}`, () => {
      const sink = arraySink();
      createLogger(sink).debug(form.text);
      assert.equal(sink.lines.length, 1);
      const out = sink.lines[0]!.replace(/^debug /, '');
      assert.ok(out.includes('«redacted»'), `nothing was redacted: ${out}`);
      for (const piece of form.secret.split(/[\s-]+/).filter((p) => p.length >= 3)) {
        assert.ok(!out.includes(piece), `"${piece}" of the secret is still in: ${out}`);
      }
      if (form.keeps) assert.match(out, form.keeps);
    });
  }
});

// redactSecrets skips its patterns for text without any of their trigger words (activation would otherwise pay
// for compiling them): one sample per pattern and spelling, each of which must still be redacted.
describe('Logger redaction: the quick check before the patterns', () => {
  const SAMPLES: [string, string][] = [
    ['MYSQL_PWD=Pw1-quartz-field', 'Pw1-quartz-field'],
    ['secret: Sc1-lichen-ridge', 'Sc1-lichen-ridge'],
    ['{"keyPem": "Kp1-ember-grove"}', 'Kp1-ember-grove'],
    ['--PASSWD=Pd1-cinder-moss', 'Pd1-cinder-moss'],
    ['ssl.Passphrase: Pp1-tundra-vale', 'Pp1-tundra-vale'],
    ["CREATE USER x IDENTIFIED WITH ed25519 AS 'Ia1-hazel-crest'", 'Ia1-hazel-crest'],
    ["VIA ed25519 OR unix_socket USING 'Ou1-brook-flint'", 'Ou1-brook-flint'],
    ['mysql://app:Ur2-cedar-loam@db.example', 'Ur2-cedar-loam'],
    ['db:3306/?Action=connect&X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0', '0f1e2d3c4b5a69788796a5b4c3d2e1f0'],
    ['token eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJlX3Rlc3Q', 'eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJlX3Rlc3Q'],
    ['bearer ya29.a0AfB_Gt1-sample-token', 'ya29.a0AfB_Gt1-sample-token'],
    [`${KEY}`, 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKB'],
    // A line that was redacted once already (a message passed on) still has the current password after REPLACE masked.
    ["ALTER USER r '«redacted»' REPLACE 'Rc1-mica-shoal'", 'Rc1-mica-shoal'],
  ];
  for (const [text, secret] of SAMPLES) {
    it(`redacts ${JSON.stringify(text.slice(0, 40))}`, () => {
      const out = redactSecrets(text);
      assert.ok(!out.includes(secret), `the secret is still in: ${out}`);
      assert.ok(out.includes('«redacted»'), out);
    });
  }

  it('leaves text without a trigger word unchanged (and still masks a known secret value in it)', () => {
    for (const text of [
      '[activate] activated: 100 connection(s), 0 invalid entries',
      '[secrets] this build has no OS keychain module (universal VSIX): secrets are stored in VS Code SecretStorage',
    ])
      assert.equal(redactSecrets(text), text);
    assert.equal(redactSecrets('connected as Kv1-known-value', ['Kv1-known-value']), 'connected as «redacted»');
  });
});
