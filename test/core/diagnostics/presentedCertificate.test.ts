/**
 * The certificate a server presents, fetched after a failed certificate check with a second handshake that
 * sends no credentials and verifies nothing, against the real sandbox servers: a wrong CA (the wrongca server,
 * and the tls server checked with another CA), a host name the certificate lacks, an expired certificate.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { before, describe, it } from 'node:test';
import { openSession } from '../../../src/core/mysql/session';
import {
  fetchPresentedChain,
  inspectPresentedCertificate,
  SECOND_HANDSHAKE_NOTE,
  sslRequestPacket,
  type PresentedChainAnalysis,
} from '../../../src/core/tls/presentedCertificate';
import type { SandboxDescription } from '../../../scripts/sandbox';
import { failure } from '../../helpers/failure';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';
import { startRelay } from '../../helpers/relay';
import { startTlsRecordingServer } from '../../helpers/tlsRecordingServer';

const fingerprintOf = (file: string): string => new X509Certificate(readFileSync(file)).fingerprint256;

describe('the presented certificate of a failed check (real sandbox servers)', () => {
  let sb: SandboxDescription;
  before(() => {
    sb = loadSandbox();
  });

  it('wrong CA: shows the unrelated server certificate, its fields, and that it chains to an unknown CA, not the configured one', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'wrongca', 'app_none', { mode: 'VERIFY_IDENTITY' });
    const error = await failure(openSession({ profile, secrets }));
    assert.equal(error.code, 'tls-ca-mismatch');
    assert.equal(error.fixAction?.command, 'mysqlTls.showPresentedCertificate');
    assert.equal(error.fixAction?.label, 'Show Server Certificate…');

    const a = await inspectPresentedCertificate(profile);
    assert.equal(a.server.subject, 'O=unrelated, CN=unrelated server');
    assert.equal(a.server.issuer, 'O=unrelated, CN=unrelated CA');
    assert.deepEqual(a.server.subjectAltNames, ['DNS:localhost', 'IP Address:127.0.0.1']);
    assert.equal(a.server.fingerprintSha256, fingerprintOf(sb.certs.otherServerCert));
    const cert = new X509Certificate(readFileSync(sb.certs.otherServerCert));
    assert.equal(a.server.validFrom, new Date(cert.validFrom).toISOString());
    assert.equal(a.server.validTo, new Date(cert.validTo).toISOString());
    assert.equal(a.validity, 'ok');
    assert.equal(a.namesHost, true);
    assert.equal(a.chainsToConfigured, false);
    assert.deepEqual(a.relation, { kind: 'unknown', issuer: 'O=unrelated, CN=unrelated CA' });
    assert.deepEqual(a.configured.subjects, ['mysql-tls sandbox CA']);
    assert.match(
      a.findings.join(' '),
      /does not chain to the configured CA \(.*ca\.pem: mysql-tls sandbox CA\)\. It chains to an unknown CA: O=unrelated, CN=unrelated CA\./,
    );
    assert.equal(a.trustableCa, undefined, 'the wrongca server does not send its CA: nothing to trust');
    assert.equal(a.note, SECOND_HANDSHAKE_NOTE);
  });

  it('checked with another CA, the tls server sends its own CA: "does not chain to the configured CA", the CA it sent is offered to trust', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY', ca: sb.certs.otherCa });
    const error = await failure(openSession({ profile, secrets }));
    assert.equal(error.code, 'tls-ca-mismatch');
    const a = await inspectPresentedCertificate(profile);
    assert.equal(a.chainsToConfigured, false);
    assert.deepEqual(a.relation, { kind: 'sent-ca', ca: 'mysql-tls sandbox CA' });
    assert.equal(a.certificates.length, 2);
    assert.equal(a.certificates[1]!.role, 'sent');
    assert.equal(a.trustableCa?.fingerprintSha256, fingerprintOf(sb.certs.ca));
    assert.equal(new X509Certificate(a.trustableCa!.pem).fingerprint256, fingerprintOf(sb.certs.ca), 'the PEM to save is that CA');
    assert.match(
      a.findings.join(' '),
      /does not chain to the configured CA \(.*other-ca\.pem: unrelated CA\)\. It chains to a CA the server sent itself \(mysql-tls sandbox CA\)/,
    );
  });

  it('the same server checked with its own CA: "chains to the configured CA", nothing to trust', async () => {
    const { profile } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    const a = await inspectPresentedCertificate(profile);
    assert.equal(a.chainsToConfigured, true);
    assert.deepEqual(a.relation, { kind: 'configured', ca: 'mysql-tls sandbox CA' });
    assert.equal(a.trustableCa, undefined);
  });

  it('a host name the certificate lacks: the SANs it has, and that it still chains to the configured CA', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY', servername: 'db.example.test' });
    // The tls server's certificate names localhost and 127.0.0.1 only.
    const error = await failure(openSession({ profile, secrets }));
    assert.equal(error.code, 'tls-hostname-mismatch');
    assert.equal(error.fixAction?.command, 'mysqlTls.showPresentedCertificate');
    const a = await inspectPresentedCertificate(profile);
    assert.equal(a.verifyName, 'db.example.test');
    assert.equal(a.namesHost, false);
    assert.equal(a.chainsToConfigured, true);
    assert.ok(a.findings.includes('The certificate does not name db.example.test: its names are DNS:localhost, IP Address:127.0.0.1.'), a.findings.join('\n'));
  });

  it('the wronghost server: its one SAN, and that it does not name 127.0.0.1', async () => {
    const { profile } = sandboxProfile(sb, 'wronghost', 'app_none', { mode: 'VERIFY_IDENTITY' });
    const a = await inspectPresentedCertificate(profile);
    assert.deepEqual(a.server.subjectAltNames, [`DNS:${sb.certs.wrongHostName}`]);
    assert.equal(a.namesHost, false);
    assert.equal(a.server.fingerprintSha256, fingerprintOf(sb.certs.wrongHostCert));
  });

  it('an expired certificate: its dates and "expired"', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'expired', 'app_none', { mode: 'VERIFY_IDENTITY' });
    const error = await failure(openSession({ profile, secrets }));
    assert.equal(error.code, 'tls-cert-expired');
    const a: PresentedChainAnalysis = await inspectPresentedCertificate(profile);
    assert.equal(a.validity, 'expired');
    assert.ok(a.server.daysLeft < 0);
    assert.ok(a.findings.some((f) => f.startsWith('The certificate expired on ')));
  });

  it('the second handshake sends the SSLRequest and then only TLS to the real server (no MySQL packet in the clear)', async () => {
    const fromClient: Buffer[] = [];
    const relay = await startRelay({ host: sb.host, port: sb.servers.tls.port }, () => ({ fromClient: (c) => (fromClient.push(c), true) }));
    try {
      await fetchPresentedChain({ host: '127.0.0.1', port: relay.port });
    } finally {
      await relay.close();
    }
    const sent = Buffer.concat(fromClient);
    assert.deepEqual(sent.subarray(0, 36), sslRequestPacket(1), 'first the 36-byte SSLRequest');
    // The rest is TLS records (content type 20-23, version 3.x) back to back.
    let pos = 36;
    while (pos < sent.length) {
      assert.ok(sent[pos]! >= 20 && sent[pos]! <= 23 && sent[pos + 1] === 3, `a TLS record at byte ${pos}`);
      pos += 5 + sent.readUInt16BE(pos + 3);
    }
    assert.equal(pos, sent.length);
  });
});

describe('the second handshake never logs in (a TLS stand-in that decrypts what the client sends)', () => {
  it('sends no HandshakeResponse: nothing at all inside TLS, only the SSLRequest before it', async () => {
    const sb = loadSandbox();
    const server = await startTlsRecordingServer({ cert: readFileSync(sb.certs.serverCert, 'utf8'), key: readFileSync(sb.certs.serverKey, 'utf8') });
    try {
      const fetched = await fetchPresentedChain({ host: '127.0.0.1', port: server.port });
      assert.equal(new X509Certificate(fetched.certificates[0]!).fingerprint256, fingerprintOf(sb.certs.serverCert));
      await server.settled();
      assert.equal(server.connections, 1);
      assert.deepEqual(server.plaintext(), [sslRequestPacket(1)]);
      const payload = server.plaintext()[0]!.subarray(4);
      assert.equal(payload.readUInt32LE(0) & 0x800, 0x800, 'CLIENT_SSL');
      assert.ok(payload.subarray(9).equals(Buffer.alloc(23)), 'no user name or auth data: the filler is zero');
      assert.deepEqual(
        server.decrypted().map((d) => d.length),
        [0],
        'not one byte inside TLS: no HandshakeResponse (user, password, auth data)',
      );
    } finally {
      await server.close();
    }
  });
});

describe('the second handshake is bounded', () => {
  it('gives up on a server that never greets', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      await assert.rejects(fetchPresentedChain({ host: '127.0.0.1', port, timeoutMs: 300 }), /no certificate from 127\.0\.0\.1:\d+ within 300 ms/);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => silent.close(r));
    }
  });

  it('refuses a greeting larger than any MySQL greeting', async () => {
    const huge = net.createServer((s) => {
      s.on('error', () => undefined);
      const header = Buffer.from([0xff, 0xff, 0xff, 0]);
      s.write(Buffer.concat([header, Buffer.alloc(32 * 1024, 0x41)]));
    });
    await new Promise<void>((r) => huge.listen(0, '127.0.0.1', r));
    const port = (huge.address() as net.AddressInfo).port;
    try {
      await assert.rejects(fetchPresentedChain({ host: '127.0.0.1', port }), /larger than any MySQL greeting/);
    } finally {
      await new Promise((r) => huge.close(r));
    }
  });

  it('says so when the server offers no TLS (the plain sandbox server)', async () => {
    const sb = loadSandbox();
    await assert.rejects(fetchPresentedChain({ host: sb.host, port: sb.servers.plain.port }), (e: Error & { code?: string }) => e.code === 'server-no-tls');
  });
});
