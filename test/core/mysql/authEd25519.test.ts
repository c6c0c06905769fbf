import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { mariadbEd25519Signature } from '../../../src/core/mysql/authEd25519';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

describe('client_ed25519 signature', () => {
  it('equals RFC 8032 Ed25519 (Node crypto) when the password is a 32-byte seed', () => {
    for (let i = 0; i < 20; i++) {
      const seed = randomBytes(32);
      const nonce = randomBytes(32);
      const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
      assert.ok(sign(null, nonce, key).equals(mariadbEd25519Signature(seed, nonce)));
    }
  });
  it('signs with passwords of any length, verifiable with the derived public key only when it matches', () => {
    const nonce = randomBytes(32);
    const a = mariadbEd25519Signature('short', nonce);
    const b = mariadbEd25519Signature('a much longer password than thirty-two bytes, as users choose', nonce);
    assert.equal(a.length, 64);
    assert.equal(b.length, 64);
    assert.notDeepEqual(a, b);
    // Deterministic, like Ed25519.
    assert.ok(a.equals(mariadbEd25519Signature('short', nonce)));
    // A signature for one nonce does not verify for another under a 32-byte-seed key.
    const seed = randomBytes(32);
    const pub = createPublicKey(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
    assert.equal(verify(null, randomBytes(32), pub, mariadbEd25519Signature(seed, nonce)), false);
  });
});
