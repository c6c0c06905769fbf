import { createHash } from 'node:crypto';

/**
 * MariaDB's client_ed25519 authentication, which mysql2 does not ship. MariaDB signs the server's
 * nonce with Ed25519 using the password itself as the seed (any length), which Node's crypto cannot do
 * (it only takes 32-byte seeds); the arithmetic comes from @noble/curves (audited), loaded on first use.
 * Reference: MariaDB plugin/auth_ed25519/ref10 crypto_sign with the password as secret.
 */
type Ed = typeof import('@noble/curves/ed25519');
let ed: Ed | undefined;

const sha512 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
};
const leToBigInt = (b: Uint8Array): bigint => BigInt('0x' + Buffer.from(b).reverse().toString('hex'));
const bigIntToLe32 = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();

export function mariadbEd25519Signature(password: string | Buffer, nonce: Uint8Array): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ed ??= require('@noble/curves/ed25519') as Ed;
  const { ExtendedPoint, CURVE } = ed.ed25519;
  const n = CURVE.n;
  const az = sha512(Buffer.from(password));
  az[0]! &= 248;
  az[31]! &= 63;
  az[31]! |= 64;
  const a = leToBigInt(az.subarray(0, 32));
  const A = ExtendedPoint.BASE.multiply(a % n).toRawBytes();
  const r = leToBigInt(sha512(az.subarray(32, 64), nonce)) % n;
  const R = ExtendedPoint.BASE.multiply(r === 0n ? n : r).toRawBytes();
  const k = leToBigInt(sha512(R, A, nonce)) % n;
  const S = (r + k * a) % n;
  return Buffer.concat([Buffer.from(R), bigIntToLe32(S)]);
}

/** The mysql2 `authPlugins` entry. */
export function clientEd25519Plugin({ connection }: { connection: { config: { password?: string } } }): (data: Buffer) => Buffer {
  return (data: Buffer) => {
    // The switch request carries the 32-byte nonce (some servers add a trailing NUL).
    return mariadbEd25519Signature(connection.config.password ?? '', data.subarray(0, 32));
  };
}
