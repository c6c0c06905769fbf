import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planKey } from '../../../src/core/connections/planCache';
import {
  abortableDelay,
  backoffDelayMs,
  DEFAULT_RESILIENCE,
  isRetryable,
  isWeaker,
  MAX_RECONNECT_ATTEMPTS,
  normalizeResilience,
} from '../../../src/core/connections/resilience';

describe('resilience rules', () => {
  it('backoff doubles per attempt, is capped, and jitters between half and all of it', () => {
    const o = { reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 1000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, o, () => 1)),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffDelayMs(n, o, () => 0)),
      [50, 100, 200],
    );
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(3, o);
      assert.ok(d >= 200 && d <= 400, String(d));
    }
    assert.equal(
      backoffDelayMs(10_000, o, () => 1),
      1000,
      'no overflow on huge attempt numbers',
    );
  });

  it('settings are clamped: no unbounded loop from a bad value', () => {
    assert.equal(normalizeResilience({ reconnectMaxAttempts: 1e9 }).reconnectMaxAttempts, MAX_RECONNECT_ATTEMPTS);
    assert.equal(normalizeResilience({ reconnectMaxAttempts: -3 }).reconnectMaxAttempts, 0);
    assert.equal(normalizeResilience({ keepaliveIntervalMs: Number.NaN }).keepaliveIntervalMs, DEFAULT_RESILIENCE.keepaliveIntervalMs);
    assert.deepEqual(normalizeResilience(undefined), DEFAULT_RESILIENCE);
  });

  it('only transient causes are retried; credentials, certificates and refused downgrades are not', () => {
    for (const code of ['connection-lost', 'connect-timeout', 'host-unreachable'] as const) assert.equal(isRetryable({ code }), true, code);
    for (const code of ['access-denied', 'tls-hostname-mismatch', 'tls-ca-mismatch', 'server-no-tls', 'config-invalid', 'cancelled'] as const)
      assert.equal(isRetryable({ code }), false, code);
  });

  it('security levels are ordered', () => {
    assert.equal(isWeaker('plaintext', 'encrypted'), true);
    assert.equal(isWeaker('verified-ca', 'verified-identity'), true);
    assert.equal(isWeaker('verified-identity', 'verified-identity'), false);
  });

  it('abortableDelay rejects at once when aborted and leaves no timer', async () => {
    const c = new AbortController();
    const t0 = Date.now();
    const p = abortableDelay(10_000, c.signal);
    c.abort();
    await assert.rejects(p);
    assert.ok(Date.now() - t0 < 100);
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, 0);
  });

  it('the plan key changes with the profile, the files and the key passphrase, never with the password', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'plan-key-'));
    try {
      const ca = path.join(dir, 'ca.pem');
      await fs.writeFile(ca, 'one');
      const profile = { host: 'db', user: 'u', ssl: { mode: 'VERIFY_CA' as const, ca } };
      const k1 = await planKey(profile, { password: 'a' }, {});
      assert.equal(await planKey(profile, { password: 'b' }, {}), k1, 'the password is not part of a plan');
      assert.notEqual(await planKey({ ...profile, port: 3307 }, {}, {}), k1);
      assert.notEqual(await planKey(profile, { passphrase: 'p' }, {}), k1);
      await fs.writeFile(ca, 'two, longer');
      assert.notEqual(await planKey(profile, {}, {}), k1, 'a changed CA file rebuilds the plan');
      assert.ok(!k1.includes('one'));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
