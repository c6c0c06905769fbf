/**
 * Pending state and the backend TLS switch against the ProxySQL admin STAND-IN, which behaves like the real
 * 2.7.1 here (see test/core/proxysql/standIn.test.ts): OFFLINE_HARD servers leave runtime a few seconds after
 * LOAD, and pooled backend connections keep the TLS they were opened with.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LOAD_SERVERS_TO_RUNTIME, SAVE_SERVERS_TO_DISK, updateServerStatus } from '../../../src/core/proxysql/adminSql';
import { drainSteps, frontendTlsSteps, previewDrain, toggleServerTlsSteps, waitUntilNoConnectionInUse } from '../../../src/core/proxysql/tlsChanges';
import {
  idleConnectionUsesTls,
  readProxysqlTlsState,
  runAdminSteps,
  type AdminQuery,
  type ProxysqlTlsState,
  type ServerEntry,
} from '../../../src/core/proxysql/tlsState';
import { openSession, type Session } from '../../../src/core/mysql/session';
import { DEMO_STAND_IN_SERVERS, startProxysqlStandIn, type ProxysqlStandIn } from '../../helpers/proxysqlStandIn';

const REPLICA = { hostgroup_id: '20', hostname: 'db-replica-1.internal', port: '3306' };

describe('ProxySQL pending state and backend TLS', () => {
  let standIn: ProxysqlStandIn;
  let session: Session;
  let query: AdminQuery;
  const replica = (s: ProxysqlTlsState): ServerEntry => s.hostgroups.find((g) => g.hostgroupId === 20)!.servers.find((e) => e.hostname === REPLICA.hostname)!;
  const read = (): Promise<ProxysqlTlsState> => readProxysqlTlsState(query);

  beforeEach(async () => {
    standIn = await startProxysqlStandIn({ servers: DEMO_STAND_IN_SERVERS, pool: [{ ...REPLICA, free: 2 }] });
    session = await openSession({
      profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'VERIFY_CA', ca: standIn.caFile } },
      secrets: { password: standIn.password },
    });
    query = (sql) => session.query(sql);
  });
  afterEach(async () => {
    await session?.close();
    await standIn?.close();
  });

  it('an OFFLINE_HARD server that ProxySQL dropped from runtime after LOAD is not pending', async () => {
    const key = { hostgroupId: 20, hostname: REPLICA.hostname, port: 3306 };
    await runAdminSteps(query, [{ sql: updateServerStatus('OFFLINE_HARD', key), description: '', expectRows: true }]);
    assert.deepEqual(replica(await read()).pending, ['load', 'save'], 'a status change in memory is pending');
    await runAdminSteps(query, [
      { sql: LOAD_SERVERS_TO_RUNTIME, description: '', expectRows: false },
      { sql: SAVE_SERVERS_TO_DISK, description: '', expectRows: false },
    ]);
    standIn.purgeOfflineHard(); // what 2.7.1 does a few seconds after LOAD
    const state = await read();
    const entry = replica(state);
    assert.equal(entry.runtime, undefined);
    assert.equal(entry.memory?.status, 'OFFLINE_HARD');
    assert.deepEqual(entry.pending, [], 'LOAD and SAVE ran: nothing is pending');
    assert.deepEqual(state.pendingServers, []);
  });

  it('use_ssl=1 + LOAD + SAVE is not "done" while idle plaintext connections remain; the drain empties them and reads "done"', async () => {
    await runAdminSteps(query, [
      ...toggleServerTlsSteps(replica(await read()), true),
      { sql: LOAD_SERVERS_TO_RUNTIME, description: '', expectRows: false },
      { sql: SAVE_SERVERS_TO_DISK, description: '', expectRows: false },
    ]);
    standIn.openBackendConnections(REPLICA, 1, { inUse: true }); // a client query running right now
    let state = await read();
    let entry = replica(state);
    assert.equal(entry.backendTls?.state, 'draining');
    assert.equal(entry.backendTls?.idlePlaintext, 2);
    assert.equal(entry.backendTls?.inUse, 1);
    assert.match(entry.backendTls?.text ?? '', /2 idle pooled connections are still plaintext.*1 in use \(TLS of connections in use cannot be seen\)/);
    assert.deepEqual(entry.pending, ['drain']);
    assert.deepEqual(state.pendingServers, ['drain']);

    const plan = drainSteps(state, entry);
    assert.deepEqual(
      plan.soft.map((s) => s.sql),
      ["UPDATE mysql_servers SET status='OFFLINE_SOFT' WHERE hostgroup_id=20 AND hostname='db-replica-1.internal' AND port=3306", LOAD_SERVERS_TO_RUNTIME],
    );
    assert.deepEqual(
      plan.finish.map((s) => s.sql),
      [
        "UPDATE mysql_servers SET status='OFFLINE_HARD' WHERE hostgroup_id=20 AND hostname='db-replica-1.internal' AND port=3306",
        LOAD_SERVERS_TO_RUNTIME,
        "UPDATE mysql_servers SET status='ONLINE' WHERE hostgroup_id=20 AND hostname='db-replica-1.internal' AND port=3306",
        LOAD_SERVERS_TO_RUNTIME,
      ],
    );
    const preview = previewDrain(plan);
    assert.match(preview, /^1\. UPDATE mysql_servers SET status='OFFLINE_SOFT'/);
    assert.match(preview, /\n6\. LOAD MYSQL SERVERS TO RUNTIME;/);
    assert.match(preview, /Queries already running on this server, and open transactions, finish normally/);
    assert.match(preview, /other ONLINE server \(db-replica-2\.internal:3306\)/);

    await runAdminSteps(query, plan.soft);
    const polls: number[] = [];
    // The running query ends while the drain waits (no timer: the wait's sleep is where time passes).
    const drained = await waitUntilNoConnectionInUse(query, plan, {
      sleep: async () => standIn.finishQueries(REPLICA),
      onPoll: (n) => polls.push(n),
      maxPolls: 5,
    });
    assert.equal(drained, true);
    assert.deepEqual(polls, [1, 0]);
    await runAdminSteps(query, plan.finish);
    state = await read();
    entry = replica(state);
    assert.equal(entry.backendTls?.idlePlaintext, 0);
    assert.equal(entry.backendTls?.state, 'done');
    assert.deepEqual(entry.pending, [], 'back ONLINE in memory, runtime and disk');
    standIn.openBackendConnections(REPLICA, 2);
    entry = replica(await read());
    assert.equal(entry.backendTls?.idleTls, 2, 'new connections use TLS');
    assert.match(entry.backendTls?.text ?? '', /^done: no idle plaintext connection \(2 idle with TLS\)$/);
  });

  it('a drain is refused while the server has changes not loaded (it would load them too)', async () => {
    await runAdminSteps(query, toggleServerTlsSteps(replica(await read()), true));
    const state = await read();
    assert.throws(() => drainSteps(state, replica(state)), /not loaded to runtime/);
  });

  it('the frontend TLS switch: UPDATE mysql-have_ssl then LOAD MYSQL VARIABLES TO RUNTIME, for new connections', async () => {
    const steps = frontendTlsSteps(await read(), false);
    assert.deepEqual(
      steps.map((s) => s.sql),
      ["UPDATE global_variables SET variable_value='false' WHERE variable_name='mysql-have_ssl'", 'LOAD MYSQL VARIABLES TO RUNTIME'],
    );
    assert.match(steps[1]!.description, /new connections to the client AND admin ports get no TLS/);
    await runAdminSteps(query, steps);
    const state = await read();
    assert.equal(state.frontendTls, false);
    assert.deepEqual(state.pendingVariables, ['save']);
    const next = await openSession({
      profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'PREFERRED' } },
      secrets: { password: standIn.password },
    });
    assert.equal(next.report.encrypted, false, 'the next connection gets no TLS');
    await next.close();
  });
});

describe('idle connection TLS from mysql_info (hostile JSON)', () => {
  it('reads options.use_ssl only, and unknown for anything else', () => {
    assert.equal(idleConnectionUsesTls('{"options":{"use_ssl":1}}'), true);
    assert.equal(idleConnectionUsesTls('{"options":{"use_ssl":0}}'), false);
    assert.equal(idleConnectionUsesTls('{"options":{"use_ssl":"yes"}}'), undefined);
    assert.equal(idleConnectionUsesTls('not json'), undefined);
    assert.equal(idleConnectionUsesTls('{"options":null}'), undefined);
    assert.equal(idleConnectionUsesTls('[1]'), undefined);
  });
});
