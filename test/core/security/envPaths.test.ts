/**
 * A path setting that uses ${env:NAME} is shown as written, never with the variable's value: errors and hints
 * of the TLS plan (what the tree, the TLS details, the notifications and the log show) name `${env:NAME}`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { planTls } from '../../../src/core/tls/tlsPlan';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-env-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const secretDir = path.join(tmp, 'AKIA-very-secret-value');
mkdirSync(secretDir);

describe('${env:NAME} paths are shown as written', () => {
  it('a missing file is named as ${env:NAME}/..., not with the value', async () => {
    const env = { CERT_DIR: secretDir };
    await assert.rejects(
      planTls({ profile: { host: 'h', user: 'u', ssl: { mode: 'VERIFY_CA', ca: '${env:CERT_DIR}/ca.pem' } }, paths: { env } }),
      (e: { code?: string; detail?: string; message?: string }) => {
        assert.equal(e.code, 'file-missing');
        assert.match(e.detail!, /\$\{env:CERT_DIR\}\/ca\.pem/);
        assert.ok(!e.detail!.includes('very-secret') && !e.message!.includes('very-secret'), e.message);
        return true;
      },
    );
  });

  it('a file that is not a certificate is named as written too', async () => {
    writeFileSync(path.join(secretDir, 'junk.pem'), 'not a certificate\n');
    const env = { CERT_DIR: secretDir };
    await assert.rejects(
      planTls({ profile: { host: 'h', user: 'u', ssl: { mode: 'VERIFY_CA', ca: '${env:CERT_DIR}/junk.pem' } }, paths: { env } }),
      (e: { detail?: string; message?: string }) => {
        assert.match(e.detail!, /\$\{env:CERT_DIR\}\/junk\.pem/);
        assert.ok(!e.message!.includes('very-secret'), e.message);
        return true;
      },
    );
  });
});

describe('${env:NAME} in the connection wizard', () => {
  it('is refused for a connection bound for workspace settings, and named as typed in errors', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { validateCertificateFile } = require('../../../src/core/settings/wizardValidation') as typeof import('../../../src/core/settings/wizardValidation');
    const env = { CERT_DIR: secretDir };
    const workspace = await validateCertificateFile('${env:CERT_DIR}/ca.pem', 'ssl.ca', { env, allowEnv: false });
    assert.match(workspace ?? '', /allowed in user settings only/);
    const user = await validateCertificateFile('${env:CERT_DIR}/missing.pem', 'ssl.ca', { env });
    assert.match(user ?? '', /\$\{env:CERT_DIR\}\/missing\.pem/);
    assert.ok(!(user ?? '').includes('very-secret'), user);
  });
});
