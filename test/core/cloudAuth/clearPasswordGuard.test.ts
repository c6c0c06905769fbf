/**
 * The engine's last line for tokens: our mysql_clear_password (and caching_sha2/sha256 full authentication)
 * answer a token login only on a socket whose TLS verified the server, whatever the settings or the plan said.
 * Driven with real sockets (a local TLS server with the sandbox's server certificate): plaintext, TLS that did
 * not verify (REQUIRED), and TLS verified against the sandbox CA.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { authRefusalCause, cachingSha2Plugin, clearPasswordPlugin } from '../../../src/core/mysql/authSha2';
import { loadSandbox } from '../../helpers/sandbox';

type Ctx = { connection: { config: { password?: string }; stream?: unknown } };

describe('mysql_clear_password and full authentication refuse a token unless the TLS verified the server', () => {
  const sb = loadSandbox();
  let server: tls.Server;
  let plainServer: net.Server;
  const sockets: net.Socket[] = [];
  const ctxOf = (stream: unknown): Ctx => ({ connection: { config: { password: 'the-cloud-token' }, stream } });
  const TOKEN = { planVerifiesServer: true };

  const tlsSocket = (options: tls.ConnectionOptions): Promise<tls.TLSSocket> =>
    new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, ...options }, () => resolve(s));
      s.on('error', reject);
      sockets.push(s);
    });

  let unverified: tls.TLSSocket;
  let verified: tls.TLSSocket;
  let plain: net.Socket;

  before(async () => {
    server = tls.createServer({ cert: readFileSync(sb.certs.serverCert), key: readFileSync(sb.certs.serverKey) }, (s) => s.on('error', () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    plainServer = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => plainServer.listen(0, '127.0.0.1', r));
    unverified = await tlsSocket({ rejectUnauthorized: false });
    verified = await tlsSocket({ ca: readFileSync(sb.certs.ca), rejectUnauthorized: true, servername: 'localhost' });
    plain = net.connect((plainServer.address() as net.AddressInfo).port, '127.0.0.1');
    sockets.push(plain);
    await new Promise((r) => plain.once('connect', r));
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    await new Promise((r) => plainServer.close(r));
  });

  it('the sockets are what they claim: one TLS session unverified, one verified', () => {
    assert.equal(unverified.authorized, false);
    assert.equal(verified.authorized, true);
  });

  const refusal = (f: () => unknown): string | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      return authRefusalCause(e);
    }
  };

  it('a token over TLS that did not verify the server (REQUIRED) is refused, even when the plan claims verification', () => {
    assert.equal(
      refusal(() => clearPasswordPlugin(TOKEN)(ctxOf(unverified))()),
      'token-needs-verified-tls',
    );
    assert.equal(
      refusal(() => clearPasswordPlugin({ planVerifiesServer: false })(ctxOf(verified))()),
      'token-needs-verified-tls',
    );
  });

  it('a token on a plaintext socket is refused', () => {
    assert.equal(
      refusal(() => clearPasswordPlugin(TOKEN)(ctxOf(plain))()),
      'token-needs-verified-tls',
    );
  });

  it('a token over verified TLS is answered, NUL-terminated', () => {
    assert.deepEqual(clearPasswordPlugin(TOKEN)(ctxOf(verified))(), Buffer.from('the-cloud-token\0'));
  });

  it('an ordinary password (PAM, LDAP) over REQUIRED TLS is still answered; on plaintext it is refused', () => {
    assert.deepEqual(clearPasswordPlugin()(ctxOf(unverified))(), Buffer.from('the-cloud-token\0'));
    assert.equal(
      refusal(() => clearPasswordPlugin()(ctxOf(plain))()),
      'clear-password-needs-tls',
    );
  });

  it("caching_sha2_password's full authentication does not send a token over unverified TLS either", () => {
    const step = cachingSha2Plugin({ getServerPublicKey: false, trace: { serverPublicKey: 'none' }, tokenLogin: TOKEN })(ctxOf(unverified));
    step(Buffer.alloc(20, 7));
    assert.equal(
      refusal(() => step(Buffer.from([0x04]))),
      'token-needs-verified-tls',
    );
    const ok = cachingSha2Plugin({ getServerPublicKey: false, trace: { serverPublicKey: 'none' }, tokenLogin: TOKEN })(ctxOf(verified));
    ok(Buffer.alloc(20, 7));
    assert.deepEqual(ok(Buffer.from([0x04])), Buffer.from('the-cloud-token\0'));
  });
});
