/**
 * probe --auth: token logins from the command line, validated like the settings (a token needs a verifying
 * --ssl-mode, each option belongs to its method), and failing with the classified cloud cause, not a password
 * prompt, when no cloud credentials exist (an isolated HOME and AWS config, no metadata service).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadSandbox } from '../../helpers/sandbox';
import { tempDir } from '../certificates/fixtures';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');

describe('probe --auth', () => {
  const tmp = tempDir('mysql-tls-cli-auth-');
  after(() => tmp.remove());
  const run = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      MYSQL_TLS_SANDBOX_DIR: process.env.MYSQL_TLS_SANDBOX_DIR,
      HOME: tmp.dir,
      AWS_CONFIG_FILE: path.join(tmp.dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(tmp.dir, 'none2'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    return new Promise((resolve) =>
      execFile(process.execPath, [CLI, 'probe', ...args], { env, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
      ),
    );
  };

  it('--auth aws-iam with --ssl-mode REQUIRED is a usage error naming --ssl-mode and why', async () => {
    const r = await run([
      '--host',
      'db.x.eu-west-1.rds.amazonaws.com',
      '--user',
      'u',
      '--ssl-mode',
      'REQUIRED',
      '--auth',
      'aws-iam',
      '--aws-region',
      'eu-west-1',
      '--json',
    ]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout || r.stderr) as { error: { field: string; detail: string } };
    assert.equal(out.error.field, '--ssl-mode');
    assert.match(out.error.detail, /VERIFY_IDENTITY \(or VERIFY_CA\), not REQUIRED/);
  });

  it('an option of another method, an unknown method and a bad region are usage errors naming the option', async () => {
    for (const [args, field] of [
      [['--auth', 'gcp-iam', '--aws-region', 'eu-west-1'], '--aws-region'],
      [['--auth', 'kerberos'], '--auth'],
      [['--auth', 'aws-iam', '--aws-region', 'Frankfurt'], '--aws-region'],
    ] as const) {
      const r = await run(['--host', 'h', '--user', 'u', '--ssl-mode', 'VERIFY_IDENTITY', '--ssl-ca-system', ...args, '--json']);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal((JSON.parse(r.stdout || r.stderr) as { error: { field: string } }).error.field, field);
    }
  });

  it('--auth aws-iam against the sandbox without AWS credentials: exit 1, cloud-credentials-missing, no password asked', async () => {
    const sb = loadSandbox();
    const r = await run(['--sandbox', 'tls:app_none', '--ssl-mode', 'VERIFY_IDENTITY', '--auth', 'aws-iam', '--aws-region', 'eu-west-1', '--json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout || r.stderr) as { error: { cause: string; fix: string } };
    assert.equal(out.error.cause, 'cloud-credentials-missing');
    assert.match(out.error.fix, /aws sso login/);
    assert.ok(!(r.stdout + r.stderr).includes(sb.accounts.app_none!.password));
  });
});
