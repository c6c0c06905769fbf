import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TlsPlanCache } from '../../../src/core/connections/planCache';
import { planTls } from '../../../src/core/tls/tlsPlan';
import { after, before, describe, it } from 'node:test';
import { MysqlTlsError } from '../../../src/core/errors';
import { publicKeyRetrievalIsInsecure } from '../../../src/core/mysql/authSha2';
import { openSession } from '../../../src/core/mysql/session';
import type { ConnectionProfile } from '../../../src/core/profile';
import { startFakeMysql8, type FakeLogin, type FakeMysql8, type FakePlugin } from '../../helpers/fakeMysql8';
import { loadSandbox } from '../../helpers/sandbox';

/**
 * caching_sha2_password / sha256_password / mysql_clear_password never give the password away on a link
 * without TLS. These need MySQL 8 behaviour, which cannot be installed here: the server is the fake in
 * test/helpers/fakeMysql8.ts, which plays the attacker (a forged greeting without TLS, its own RSA key) and
 * tries to read the password from every byte it received.
 */

const password = `pw-${randomBytes(9).toString('base64url')}`;

function assertNoPasswordReached(login: FakeLogin): void {
  const raw = login.raw;
  assert.ok(raw.length > 0, 'the fake received the login');
  assert.equal(raw.includes(Buffer.from(password, 'utf8')), false, 'cleartext password');
  for (const n of login.scrambles) {
    const xored = Buffer.from(Buffer.from(`${password}\0`).map((b, i) => b ^ n[i % n.length]!));
    assert.equal(raw.includes(xored.subarray(0, password.length)), false, 'password XOR nonce');
  }
  assert.deepEqual(
    login.recovered.filter((p) => p.includes(password)),
    [],
    'nothing the fake could decrypt holds the password',
  );
  assert.equal(login.recovered.length, 0, 'the fake decrypted nothing at all');
}

async function withFake(
  plugin: FakePlugin,
  ssl: boolean,
  run: (fake: FakeMysql8) => Promise<void>,
  extra: { fastAuth?: boolean; tls?: { key: string; cert: string } } = {},
): Promise<void> {
  const fake = await startFakeMysql8({ plugin, ssl, password, ...extra });
  try {
    await run(fake);
  } finally {
    await fake.close();
  }
}

function profileFor(fake: FakeMysql8, extra: Partial<ConnectionProfile>): ConnectionProfile {
  return { host: '127.0.0.1', port: fake.port, user: 'fake', connectTimeoutMs: 5000, ...extra };
}

async function refused(p: Promise<unknown>, cause: string): Promise<MysqlTlsError> {
  let err: unknown;
  await p.then(
    () => assert.fail('the login must not succeed'),
    (e: unknown) => (err = e),
  );
  assert.ok(err instanceof MysqlTlsError, String(err));
  assert.equal(err.code, cause, err.message);
  assert.ok(!err.explain().includes(password), 'no password in the error');
  return err;
}

for (const plugin of ['caching_sha2_password', 'sha256_password'] as const) {
  describe(`${plugin} without TLS`, { timeout: 60_000 }, () => {
    for (const [mode, ssl] of [
      ['DISABLED', false],
      ['DISABLED', true],
      ['PREFERRED', false],
    ] as const) {
      it(`${mode} against a greeting ${ssl ? 'with' : 'without'} the TLS flag: refuses before sending anything from the password`, () =>
        withFake(plugin, ssl, async (fake) => {
          await refused(openSession({ profile: profileFor(fake, { ssl: { mode } }), secrets: { password } }), 'auth-needs-tls');
          const login = fake.logins.at(-1)!;
          assert.equal(login.askedForKey, false, 'the key was not requested');
          assertNoPasswordReached(login);
        }));
    }

    it('getServerPublicKey: true asks for the key and the password arrives RSA-encrypted to it (the opt-in is real)', () =>
      withFake(plugin, false, async (fake) => {
        const s = await openSession({ profile: profileFor(fake, { ssl: { mode: 'PREFERRED' }, getServerPublicKey: true }), secrets: { password } });
        try {
          const login = fake.logins.at(-1)!;
          assert.equal(login.askedForKey, true);
          assert.ok(login.recovered.includes(password), 'the fake decrypted the password with its private key');
          assert.equal(login.raw.includes(Buffer.from(password)), false, 'never in cleartext');
          assert.equal(s.report.auth.serverPublicKey, 'retrieved-insecure');
          assert.ok(s.report.hints.some((h) => /getServerPublicKey/.test(h)));
        } finally {
          s.destroy();
        }
      }));

    it('serverPublicKey pinned to the server key: encrypted to it without asking', () =>
      withFake(plugin, false, async (fake) => {
        const s = await openSession({ profile: profileFor(fake, { ssl: { mode: 'DISABLED' }, serverPublicKey: fake.publicKeyFile }), secrets: { password } });
        try {
          const login = fake.logins.at(-1)!;
          assert.equal(login.askedForKey, false, 'no key request (0x02 / 0x01)');
          assert.equal(
            login.packets.some((p) => p.length === 1 && (p[0] === 0x02 || p[0] === 0x01)),
            false,
          );
          assert.ok(login.recovered.includes(password));
          assert.equal(s.report.auth.serverPublicKey, 'pinned');
        } finally {
          s.destroy();
        }
      }));

    it('serverPublicKey pinned to another key: the fake cannot decrypt, and the login fails', async () => {
      const other = await startFakeMysql8({ plugin, ssl: false, password });
      try {
        await withFake(plugin, false, async (fake) => {
          await refused(
            openSession({ profile: profileFor(fake, { ssl: { mode: 'DISABLED' }, serverPublicKey: other.publicKeyFile }), secrets: { password } }),
            'account-requires-tls',
          );
          const login = fake.logins.at(-1)!;
          assert.equal(login.askedForKey, false);
          assertNoPasswordReached(login);
          // The bytes are the pinned key's ciphertext: the other key's holder reads them.
          assert.ok(other.logins.length === 0 && login.packets.some((p) => p.length === 256));
        });
      } finally {
        await other.close();
      }
    });
  });
}

describe('caching_sha2_password fast auth and TLS', { timeout: 60_000 }, () => {
  it('fast auth (0x03) logs in without TLS and without the password', () =>
    withFake(
      'caching_sha2_password',
      false,
      async (fake) => {
        const s = await openSession({ profile: profileFor(fake, { ssl: { mode: 'DISABLED' } }), secrets: { password } });
        try {
          assert.equal(fake.logins.at(-1)!.outcome, 'ok');
          assertNoPasswordReached(fake.logins.at(-1)!);
          assert.equal(s.report.auth.serverPublicKey, 'none');
        } finally {
          s.destroy();
        }
      },
      { fastAuth: true },
    ));

  it('over a real TLS socket the full password goes inside TLS, and not onto the wire', () => {
    const sb = loadSandbox();
    const tls = { key: readFileSync(sb.certs.serverKey, 'utf8'), cert: readFileSync(sb.certs.serverCert, 'utf8') };
    return withFake(
      'caching_sha2_password',
      true,
      async (fake) => {
        const s = await openSession({ profile: profileFor(fake, { ssl: { mode: 'REQUIRED' } }), secrets: { password } });
        try {
          const login = fake.logins.at(-1)!;
          assert.equal(login.tlsNegotiated, true);
          assert.ok(login.recovered.includes(password), 'the server behind TLS got the password');
          assert.equal(login.raw.includes(Buffer.from(password)), false, 'the wire carried only ciphertext');
          assert.equal(login.askedForKey, false);
        } finally {
          s.destroy();
        }
      },
      { tls },
    );
  });
});

describe('mysql_clear_password is TLS-only', { timeout: 60_000 }, () => {
  for (const [mode, ssl] of [
    ['DISABLED', false],
    ['PREFERRED', false],
  ] as const) {
    it(`${mode}${ssl ? '' : ' (greeting without TLS)'}: refused with its own cause, nothing sent`, () =>
      withFake('mysql_clear_password', ssl, async (fake) => {
        await refused(openSession({ profile: profileFor(fake, { ssl: { mode } }), secrets: { password } }), 'clear-password-needs-tls');
        assertNoPasswordReached(fake.logins.at(-1)!);
      }));
  }
  it('over TLS the cleartext plugin works (PAM/LDAP/IAM-token accounts)', () => {
    const sb = loadSandbox();
    const tls = { key: readFileSync(sb.certs.serverKey, 'utf8'), cert: readFileSync(sb.certs.serverCert, 'utf8') };
    return withFake(
      'mysql_clear_password',
      true,
      async (fake) => {
        const s = await openSession({ profile: profileFor(fake, { ssl: { mode: 'REQUIRED' } }), secrets: { password } });
        try {
          assert.equal(fake.logins.at(-1)!.outcome, 'ok');
          assert.equal(fake.logins.at(-1)!.raw.includes(Buffer.from(password)), false);
        } finally {
          s.destroy();
        }
      },
      { tls },
    );
  });
});

describe('serverPublicKey / getServerPublicKey settings', () => {
  it('publicKeyRetrievalIsInsecure', () => {
    assert.equal(publicKeyRetrievalIsInsecure({}), false);
    assert.equal(publicKeyRetrievalIsInsecure({ getServerPublicKey: true }), true);
    assert.equal(publicKeyRetrievalIsInsecure({ getServerPublicKey: true, serverPublicKey: '/k.pem' }), false);
    assert.equal(publicKeyRetrievalIsInsecure({ getServerPublicKey: false }), false);
    assert.equal(publicKeyRetrievalIsInsecure({ getServerPublicKey: true, ssl: { mode: 'DISABLED' } }), true);
    assert.equal(publicKeyRetrievalIsInsecure({ getServerPublicKey: true, ssl: { mode: 'PREFERRED' } }), true);
    assert.equal(publicKeyRetrievalIsInsecure({ getServerPublicKey: true, ssl: { mode: 'REQUIRED' } }), false, 'TLS always: the key is never asked for');
    assert.equal(publicKeyRetrievalIsInsecure({ getServerPublicKey: true, ssl: { ca: '/ca.pem' } }), false, 'no mode + CA = VERIFY_CA');
  });
  let fake: FakeMysql8;
  before(async () => (fake = await startFakeMysql8({ plugin: 'caching_sha2_password', ssl: false, password })));
  after(() => fake.close());
  it('a serverPublicKey that is not a key, or not RSA, is a config error naming the field, before any socket', async () => {
    const sb = loadSandbox();
    const before = fake.logins.length;
    const e1 = await refused(
      openSession({ profile: profileFor(fake, { ssl: { mode: 'DISABLED' }, serverPublicKey: sb.certs.ca + '.missing' }), secrets: { password } }),
      'file-missing',
    );
    assert.equal(e1.field, 'serverPublicKey');
    const e2 = await refused(
      openSession({ profile: profileFor(fake, { ssl: { mode: 'DISABLED' }, serverPublicKey: __filename }), secrets: { password } }),
      'file-garbage',
    );
    assert.equal(e2.field, 'serverPublicKey');
    assert.equal(fake.logins.length, before, 'no connection was opened');
  });
});

describe('a pinned serverPublicKey in the plan cache', () => {
  it('a replaced key file (same path) gives a new plan with the new key', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pinned-key-'));
    try {
      const file = path.join(dir, 'server.pem');
      const pem = (): string => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
      writeFileSync(file, pem());
      const cache = new TlsPlanCache(planTls);
      const input = { profile: { host: '127.0.0.1', user: 'u', ssl: { mode: 'DISABLED' as const }, serverPublicKey: file }, secrets: {}, paths: {} };
      const first = (await cache.get('c', input)).serverPublicKey as KeyObject;
      assert.equal((await cache.get('c', input)).serverPublicKey, first, 'unchanged file: cached plan');
      const other = path.join(dir, 'other.pem');
      writeFileSync(other, pem());
      copyFileSync(other, file);
      const second = (await cache.get('c', input)).serverPublicKey as KeyObject;
      assert.equal(second.equals(first), false, 'the new key is used');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
