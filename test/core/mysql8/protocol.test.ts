/**
 * The MySQL 8 double's protocol layer is what the other mysql8 tests rely on: these check it speaks MySQL's
 * documented wire format (HandshakeV10, caching_sha2_password's paths, query attributes, auth switch) as
 * mysql2 and the engine meet it. MySQL 8 cannot be installed here; see test/helpers/mysql8/server.ts.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { openSession } from '../../../src/core/mysql/session';
import { CLIENT, cachingSha2Scramble, FLAVOURS, nativeScramble, parseHandshakeResponse } from '../../helpers/mysql8/server';
import type { Mysql8Flavour } from '../../helpers/mysql8/types';
import { doubleProfile, loginOutcome, withDouble } from '../../helpers/mysql8/testing';

const pw = 'Proto-pw-9';

/** The first packet the server sends (its greeting, or an error before it). */
function firstPacket(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readUIntLE(0, 3)) {
        s.destroy();
        resolve(buf.subarray(4, 4 + buf.readUIntLE(0, 3)));
      }
    });
    s.on('error', reject);
  });
}

function parseGreeting(p: Buffer): {
  protocol: number;
  version: string;
  scramble: Buffer;
  filler: number;
  caps: number;
  charset: number;
  status: number;
  authLen: number;
  plugin: string;
} {
  let o = 1;
  const vEnd = p.indexOf(0, o);
  const version = p.subarray(o, vEnd).toString('latin1');
  o = vEnd + 1 + 4;
  const part1 = p.subarray(o, o + 8);
  o += 8;
  const filler = p[o++]!;
  const capsLow = p.readUInt16LE(o);
  o += 2;
  const charset = p[o++]!;
  const status = p.readUInt16LE(o);
  o += 2;
  const caps = (capsLow | (p.readUInt16LE(o) << 16)) >>> 0;
  o += 2;
  const authLen = p[o++]!;
  o += 10;
  const part2 = p.subarray(o, o + 13);
  o += 13;
  const plugin = p.subarray(o, p.indexOf(0, o)).toString('latin1');
  return { protocol: p[0]!, version, scramble: Buffer.concat([part1, part2]), filler, caps, charset, status, authLen, plugin };
}

describe('MySQL double: HandshakeV10 greeting per flavour', { timeout: 60_000 }, () => {
  const expected: Record<Mysql8Flavour, { version: string; charset: number; plugin: string; qa: boolean; mfa: boolean }> = {
    '8.0.36': { version: '8.0.36', charset: 255, plugin: 'caching_sha2_password', qa: true, mfa: true },
    '8.4.3': { version: '8.4.3', charset: 255, plugin: 'caching_sha2_password', qa: true, mfa: true },
    '9.1.0': { version: '9.1.0', charset: 255, plugin: 'caching_sha2_password', qa: true, mfa: true },
    '8.0.36-28': { version: '8.0.36-28', charset: 255, plugin: 'caching_sha2_password', qa: true, mfa: true },
    '5.7.44': { version: '5.7.44', charset: 33, plugin: 'mysql_native_password', qa: false, mfa: false },
    '5.6.51': { version: '5.6.51', charset: 33, plugin: 'mysql_native_password', qa: false, mfa: false },
    '5.7.26-yassl': { version: '5.7.26', charset: 33, plugin: 'mysql_native_password', qa: false, mfa: false },
  };
  for (const flavour of Object.keys(expected) as Mysql8Flavour[]) {
    for (const tls of [true, false]) {
      it(`${flavour}, TLS ${tls ? 'on' : 'off'}`, () =>
        withDouble({ flavour, tls: tls ? 'auto' : false, accounts: [] }, async (f) => {
          const g = parseGreeting(await firstPacket(f.double.port));
          const e = expected[flavour];
          assert.equal(g.protocol, 10);
          assert.equal(g.version, e.version);
          assert.equal(g.scramble.length, 21);
          assert.equal(g.scramble[20], 0, '8 + 12 bytes plus a zero byte');
          assert.equal(g.scramble.subarray(0, 20).includes(0), false);
          assert.equal(g.filler, 0);
          assert.equal(g.authLen, 21);
          assert.equal(g.charset, e.charset);
          assert.equal(g.status, 0x0002);
          assert.equal(g.plugin, e.plugin);
          assert.equal((g.caps & CLIENT.SSL) !== 0, tls, 'CLIENT_SSL only with TLS');
          for (const flag of [
            'PLUGIN_AUTH',
            'PLUGIN_AUTH_LENENC_CLIENT_DATA',
            'CONNECT_ATTRS',
            'CAN_HANDLE_EXPIRED_PASSWORDS',
            'SESSION_TRACK',
            'DEPRECATE_EOF',
            'PROTOCOL_41',
            'SECURE_CONNECTION',
          ] as const)
            assert.ok(g.caps & CLIENT[flag], flag);
          assert.equal((g.caps & CLIENT.QUERY_ATTRIBUTES) !== 0, e.qa, 'QUERY_ATTRIBUTES from 8.0.23');
          assert.equal((g.caps & CLIENT.MULTI_FACTOR_AUTHENTICATION) !== 0, e.mfa, 'MULTI_FACTOR_AUTHENTICATION from 8.0.27');
        }));
    }
  }

  it('version_comment per flavour, through the engine', () =>
    withDouble({ flavour: '8.0.36-28', accounts: [{ user: 'app', password: pw }] }, async (f) => {
      const s = await openSession({ profile: doubleProfile(f, 'app', { mode: 'REQUIRED' }), secrets: { password: pw } });
      try {
        const { rows } = await s.query<{ c: string }[]>('SELECT @@version_comment');
        assert.equal(Object.values(rows[0]!)[0], FLAVOURS['8.0.36-28'].comment);
        assert.match(FLAVOURS['8.0.36-28'].comment, /^Percona Server/);
        assert.equal(s.report.serverVersion, '8.0.36-28');
      } finally {
        await s.close();
      }
    }));
});

describe('MySQL double: caching_sha2_password', { timeout: 60_000 }, () => {
  it('after the auth switch, the scramble response is SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) || scramble)', () =>
    withDouble({ flavour: '8.0.36', accounts: [{ user: 'app', password: pw, cached: true }] }, async (f) => {
      assert.equal((await loginOutcome(f, 'app', pw, { mode: 'REQUIRED' })).outcome, 'encrypted');
      const c = f.double.connections.at(-1)!;
      assert.equal(c.authPath, 'fast');
      // packets[0] is the SSLRequest, packets[1] the HandshakeResponse41 inside TLS: mysql2 always answers
      // as mysql_native_password first, so the server switches it to caching_sha2_password (packets[2]).
      assert.equal(parseHandshakeResponse(c.packets[1]!).plugin, 'mysql_native_password');
      assert.deepEqual(c.packets[2], cachingSha2Scramble(pw, c.scramble));
    }));

  it('first login: full authentication inside TLS (password + zero byte), then the fast path; the password is never on the wire in clear', () =>
    withDouble({ flavour: '8.0.36', accounts: [{ user: 'app', password: pw }] }, async (f) => {
      assert.equal((await loginOutcome(f, 'app', pw, { mode: 'VERIFY_CA', ca: f.caFile })).outcome, 'verified-ca');
      const first = f.double.connections.at(-1)!;
      assert.equal(first.authPath, 'full-tls');
      assert.ok(
        first.packets.some((p) => p.equals(Buffer.from(`${pw}\0`))),
        'the password packet inside TLS ends with a zero byte',
      );
      assert.equal(first.raw.includes(Buffer.from(pw)), false, 'ciphertext on the wire');
      assert.equal((await loginOutcome(f, 'app', pw, { mode: 'VERIFY_CA', ca: f.caFile })).outcome, 'verified-ca');
      assert.equal(f.double.connections.at(-1)!.authPath, 'fast');
    }));

  it('plaintext with a pinned key: RSA-OAEP of (password + 0) XOR scramble, the key never asked for', () =>
    withDouble({ flavour: '8.0.36', tls: false, accounts: [{ user: 'app', password: pw }] }, async (f) => {
      const r = await loginOutcome(f, 'app', pw, { mode: 'DISABLED' }, { serverPublicKey: f.publicKeyFile });
      assert.equal(r.outcome, 'plaintext', r.error?.message);
      const c = f.double.connections.at(-1)!;
      assert.equal(c.authPath, 'full-rsa');
      assert.equal(c.askedForKey, false);
      assert.equal(c.raw.includes(Buffer.from(pw)), false);
    }));

  it('plaintext with getServerPublicKey: 0x02, then 0x01 + PEM, then the encrypted password', () =>
    withDouble({ flavour: '8.0.36', tls: false, accounts: [{ user: 'app', password: pw }] }, async (f) => {
      assert.equal((await loginOutcome(f, 'app', pw, { mode: 'DISABLED' }, { getServerPublicKey: true })).outcome, 'plaintext');
      const c = f.double.connections.at(-1)!;
      assert.equal(c.askedForKey, true);
      assert.ok(c.packets.some((p) => p.length === 1 && p[0] === 0x02));
    }));

  it('sha256_password: switched to, the password inside TLS or RSA-encrypted to a pinned key', () =>
    withDouble({ flavour: '8.0.36', accounts: [{ user: 'app', password: pw, plugin: 'sha256_password' }] }, async (f) => {
      assert.equal((await loginOutcome(f, 'app', pw, { mode: 'REQUIRED' })).outcome, 'encrypted');
      assert.equal(f.double.connections.at(-1)!.authPath, 'sha256');
      const plain = await loginOutcome(f, 'app', pw, { mode: 'DISABLED' }, { serverPublicKey: f.publicKeyFile });
      assert.equal(plain.outcome, 'plaintext', plain.error?.message);
      assert.equal(f.double.connections.at(-1)!.raw.includes(Buffer.from(pw)), false);
    }));

  it('a wrong password is 1045 (access-denied over TLS)', () =>
    withDouble({ flavour: '8.0.36', accounts: [{ user: 'app', password: pw }] }, async (f) => {
      assert.equal((await loginOutcome(f, 'app', 'nope', { mode: 'REQUIRED' })).outcome, 'access-denied');
      assert.equal(f.double.connections.at(-1)!.outcome, 1045);
    }));
});

describe('MySQL double: auth switch, query attributes, prepared statements, certificates', { timeout: 60_000 }, () => {
  it('8.0: a mysql_native_password account answered as such needs no switch; 8.4 and 9.1 refuse it with 1524', async () => {
    await withDouble({ flavour: '8.0.36', accounts: [{ user: 'old', password: pw, plugin: 'mysql_native_password' }] }, async (f) => {
      assert.equal((await loginOutcome(f, 'old', pw, { mode: 'REQUIRED' })).outcome, 'encrypted');
      const c = f.double.connections.at(-1)!;
      assert.equal(c.authPath, 'native');
      const response = parseHandshakeResponse(c.packets[1]!);
      assert.equal(response.plugin, 'mysql_native_password');
      assert.deepEqual(response.authData, nativeScramble(pw, c.scramble));
      assert.ok(!c.packets.slice(2).some((p) => p.length === 32), 'no switch to caching_sha2_password (packets[0] is the 32-byte SSLRequest)');
    });
    for (const flavour of ['8.4.3', '9.1.0'] as const) {
      await withDouble({ flavour, accounts: [{ user: 'old', password: pw, plugin: 'mysql_native_password' }] }, async (f) => {
        await loginOutcome(f, 'old', pw, { mode: 'REQUIRED' });
        assert.equal(f.double.connections.at(-1)!.outcome, 1524);
      });
    }
  });

  it('QUERY_ATTRIBUTES (8.0.23+): mysql2 sends parameter_count 0 and parameter_set_count 1 before the text; 5.7 does not', async () => {
    for (const [flavour, prefix] of [
      ['8.0.36', Buffer.from([0x03, 0x00, 0x01])],
      ['5.7.44', Buffer.from([0x03])],
    ] as const) {
      await withDouble({ flavour, accounts: [{ user: 'app', password: pw, plugin: 'mysql_native_password' }] }, async (f) => {
        const s = await openSession({ profile: doubleProfile(f, 'app', { mode: 'REQUIRED' }), secrets: { password: pw } });
        try {
          const { rows } = await s.query<Record<string, unknown>[]>('SELECT 1');
          assert.deepEqual(Object.values(rows[0]!), [1]);
        } finally {
          await s.close();
        }
        const q = f.double.connections.at(-1)!.packets.find((p) => p[0] === 0x03 && p.includes(Buffer.from('SELECT 1')))!;
        assert.deepEqual(q.subarray(0, prefix.length), prefix, flavour);
        assert.equal(q.subarray(prefix.length).toString(), 'SELECT 1');
      });
    }
  });

  it('prepared statements carry their parameters to the query handler (mysql.user lookups are prepared)', () =>
    withDouble(
      {
        flavour: '8.0.36',
        accounts: [{ user: 'app', password: pw, cached: true }],
        query: (sql, _s, params) =>
          sql.startsWith('SELECT ?')
            ? {
                kind: 'rows',
                columns: [
                  { name: 'u', type: 'string' },
                  { name: 'n', type: 'int' },
                  { name: 'b', type: 'blob' },
                  { name: 'z', type: 'null' },
                ],
                rows: [[String(params?.[0]), Number(params?.[1]) + 1, Buffer.from([0, 1, 2]), null]],
              }
            : { kind: 'ok' },
      },
      async (f) => {
        const s = await openSession({ profile: doubleProfile(f, 'app', { mode: 'REQUIRED' }), secrets: { password: pw } });
        try {
          const { rows } = await s.execute<{ u: string; n: number; b: Buffer; z: null }[]>('SELECT ?, ?', ["it's", 41]);
          assert.equal(rows[0]!.u, "it's");
          assert.equal(Number(rows[0]!.n), 42);
          assert.deepEqual(rows[0]!.b, Buffer.from([0, 1, 2]));
          assert.equal(rows[0]!.z, null);
        } finally {
          await s.close();
        }
      },
    ));

  it('the auto-generated certificate: CN only, no SAN, leaf alone: VERIFY_CA passes, VERIFY_IDENTITY cannot', () =>
    withDouble({ flavour: '8.0.36', accounts: [{ user: 'app', password: pw, cached: true }] }, async (f) => {
      const leaf = new X509Certificate(f.double.certPem!);
      assert.equal(leaf.subject, 'CN=MySQL_Server_8.0.36_Auto_Generated_Server_Certificate');
      assert.equal(leaf.subjectAltName, undefined);
      assert.equal(f.double.certPem!.match(/BEGIN CERTIFICATE/g)!.length, 1, 'the server is configured with the leaf alone');
      assert.ok(leaf.checkIssued(new X509Certificate(f.double.caPem!)));
      assert.equal((await loginOutcome(f, 'app', pw, { mode: 'VERIFY_CA', ca: f.caFile })).outcome, 'verified-ca');
      assert.equal((await loginOutcome(f, 'app', pw, { mode: 'VERIFY_IDENTITY', ca: f.caFile })).outcome, 'tls-hostname-mismatch');
    }));
});
