import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConnectionRegistry, type ConnectionState } from '../../../src/core/connections/connectionRegistry';
import { createLogger, type LogSink } from '../../../src/core/logging/logger';
import { InMemorySecretStore } from '../../../src/core/secrets/inMemorySecretStore';
import { readConnectionSecrets } from '../../../src/core/secrets/secretStore';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

const lines: string[] = [];
const sink: LogSink = {
  trace: (m) => lines.push(m),
  debug: (m) => lines.push(m),
  info: (m) => lines.push(m),
  warn: (m) => lines.push(m),
  error: (m) => lines.push(m),
};

function setup(): { registry: ConnectionRegistry; secrets: InMemorySecretStore; states: ConnectionState[] } {
  const secrets = new InMemorySecretStore();
  const registry = new ConnectionRegistry({
    readSecrets: (profile) => readConnectionSecrets(secrets, profile.id),
    paths: () => ({}),
    logger: createLogger(sink),
  });
  const states: ConnectionState[] = [];
  registry.onDidChange((s) => states.push(s.state));
  return { registry, secrets, states };
}

describe('ConnectionRegistry against the sandbox', () => {
  const sb = loadSandbox();
  const registries: ConnectionRegistry[] = [];
  after(async () => {
    await Promise.all(registries.map((r) => r.disconnectAll()));
  });

  it('connects VERIFY_IDENTITY, reports the TLS facts, lists databases, disconnects', async () => {
    const { registry, secrets, states } = setup();
    registries.push(registry);
    const { profile, secrets: s } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    await secrets.set('c1', 'password', s.password!);
    const status = await registry.connect({ ...profile, id: 'c1', name: 'tls' });
    assert.equal(status.state, 'connected');
    assert.equal(status.report?.security, 'verified-identity');
    assert.match(status.report?.protocol ?? '', /^TLSv1\.[23]$/);
    assert.equal(status.report?.server.pending, true, 'connect does not wait for the server view');
    const changes = states.length;
    const viewed = await registry.serverView('c1');
    assert.equal(viewed?.server.reported, true);
    assert.equal(viewed?.server.sslCipher, status.report?.cipher?.name);
    assert.equal(registry.status('c1').report, viewed, 'the completed report is published');
    assert.equal(states.length, changes + 1, 'one change event for the completed report');
    assert.equal(await registry.serverView('c1'), viewed, 'asked once per session');
    assert.equal(registry.status('c1').session?.isOpen, true);
    const { rows } = await registry.status('c1').session!.query<{ Database: string }[]>('SHOW DATABASES');
    assert.ok(rows.some((r) => r.Database === 'information_schema'));
    await registry.disconnect('c1');
    assert.equal(registry.status('c1').state, 'disconnected');
    assert.equal(registry.status('c1').session, undefined);
    // The second 'connected' publishes the report completed with the server's view.
    assert.deepEqual(states, ['connecting', 'connected', 'connected', 'disconnected']);
    assert.ok(!lines.join('\n').includes(s.password!), 'the password is not logged');
  });

  it('a failed connect ends in the error state with the cause', async () => {
    const { registry, secrets, states } = setup();
    registries.push(registry);
    const { profile, secrets: s } = sandboxProfile(sb, 'wronghost', 'app_none', { mode: 'VERIFY_IDENTITY' });
    await secrets.set('c2', 'password', s.password!);
    await assert.rejects(registry.connect({ ...profile, id: 'c2' }), (e: { code?: string }) => e.code === 'tls-hostname-mismatch');
    assert.equal(registry.status('c2').state, 'error');
    assert.equal(registry.status('c2').error?.code, 'tls-hostname-mismatch');
    assert.deepEqual(states, ['connecting', 'error']);
  });

  it('a wrong password is an error, not a crash, and is not logged', async () => {
    const { registry, secrets } = setup();
    registries.push(registry);
    const { profile } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_CA' });
    await secrets.set('c3', 'password', 'definitely-wrong-pw');
    await assert.rejects(registry.connect({ ...profile, id: 'c3' }));
    assert.equal(registry.status('c3').state, 'error');
    assert.match(registry.status('c3').error!.code, /access-denied|account-requires/);
    assert.ok(!lines.join('\n').includes('definitely-wrong-pw'));
  });

  it('cancelling an attempt leaves the connection disconnected', async () => {
    const { registry, secrets } = setup();
    registries.push(registry);
    const { profile, secrets: s } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    await secrets.set('c4', 'password', s.password!);
    const controller = new AbortController();
    const attempt = registry.connect({ ...profile, id: 'c4' }, controller.signal);
    controller.abort();
    await assert.rejects(attempt, (e: { code?: string }) => e.code === 'cancelled');
    assert.equal(registry.status('c4').state, 'disconnected');
  });

  it('test() records the report without keeping a session', async () => {
    const { registry, secrets } = setup();
    registries.push(registry);
    const { profile, secrets: s } = sandboxProfile(sb, 'plain', 'app_none', { mode: 'PREFERRED' });
    await secrets.set('c5', 'password', s.password!);
    const outcome = await registry.test({ ...profile, id: 'c5' });
    assert.ok(outcome.ok);
    assert.equal(outcome.report.security, 'plaintext');
    assert.equal(outcome.report.fallback, true);
    assert.equal(registry.status('c5').state, 'disconnected');
    assert.equal(registry.status('c5').session, undefined);
    assert.equal(registry.status('c5').report?.security, 'plaintext');
  });

  it('a session the server kills moves to error or disconnected', async () => {
    const { registry, secrets } = setup();
    registries.push(registry);
    const { profile, secrets: s } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    await secrets.set('c6', 'password', s.password!);
    await registry.connect({ ...profile, id: 'c6' });
    const ended = new Promise<ConnectionState>((resolve) => registry.onDidChange((st) => st.id === 'c6' && resolve(st.state)));
    registry.status('c6').session!.destroy();
    assert.ok(['disconnected', 'error'].includes(await ended));
    assert.equal(registry.status('c6').session, undefined);
  });
  it('keeps one TLS plan per connection: reused (TLS resumed) until a certificate file changes', async () => {
    const { registry, secrets } = setup();
    registries.push(registry);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'registry-plan-'));
    try {
      const ca = path.join(dir, 'ca.pem');
      await fs.copyFile(sb.certs.ca, ca);
      const { profile, secrets: s } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY', ca });
      await secrets.set('c7', 'password', s.password!);
      const first = await registry.connect({ ...profile, id: 'c7' });
      assert.equal(first.report?.sessionReused, false);
      const second = await registry.connect({ ...profile, id: 'c7' });
      assert.equal(second.report?.sessionReused, true, 'the cached plan resumes the TLS session');
      assert.equal(registry.plans.built, 1);
      await fs.appendFile(ca, '\n'); // same certificate, changed file: the plan is rebuilt
      const third = await registry.connect({ ...profile, id: 'c7' });
      assert.equal(registry.plans.built, 2);
      assert.equal(third.report?.sessionReused, false, 'a new plan is a full handshake, verified again');
      assert.equal(third.report?.security, 'verified-identity');
      await registry.forget('c7');
      assert.equal(registry.plans.size, 0, 'forget drops the plan');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
