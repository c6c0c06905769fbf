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
    for (const secret of ['hunter2', 'open sesame', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKB', 's3cr3t-pw', 'topsecret', 'json-pw', 'json-pp']) {
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
    assert.equal(redactSecrets('-----BEGIN ENCRYPTED PRIVATE KEY-----\nabc\n-----END ENCRYPTED PRIVATE KEY-----'), '-----BEGIN ENCRYPTED PRIVATE KEY----- «redacted» -----END ENCRYPTED PRIVATE KEY-----');
  });
});
