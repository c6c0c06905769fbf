import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountLabel, certificateNamesOfFile, checkPlaintextLogin, listAccountTls, requirementDescription } from '../../../src/core/server/accountTlsChoices';
import type { Session } from '../../../src/core/mysql/session';
import { loadSandbox } from '../../helpers/sandbox';
import { openSession } from '../../../src/core/mysql/session';
import { rootSession, throwawayUser } from '../server/sandboxAdmin';

describe('require-TLS-for-account choices, against the sandbox', () => {
  const sb = loadSandbox();
  let root: Session;
  before(async () => {
    root = await rootSession(sb, 'tls');
  });
  after(async () => {
    await root?.close();
  });

  it('lists the accounts with their current requirement', async () => {
    const accounts = await listAccountTls(root);
    const byUser = new Map(accounts.map((a) => [a.user, a]));
    assert.equal(byUser.get('app_none')?.requirement.type, 'NONE');
    assert.equal(byUser.get('app_ssl')?.requirement.type, 'SSL');
    assert.equal(byUser.get('app_x509')?.requirement.type, 'X509');
    const subject = byUser.get('app_subject')!;
    assert.deepEqual(subject.requirement, { type: 'SPECIFIED', issuer: sb.certs.caSubject, subject: sb.certs.clientSubject });
    assert.equal(accountLabel(subject), "'app_subject'@'%'");
    assert.match(requirementDescription(subject.requirement), /^REQUIRE .*ISSUER/);
  });

  it('refuses to list accounts for an account without privileges, naming what is needed', async () => {
    const user = throwawayUser('certui_nopriv');
    const password = 'Np-' + Date.now().toString(36);
    await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    const s = await openSession({
      profile: { host: sb.host, port: sb.servers.tls.port, user, ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca } },
      secrets: { password },
    });
    try {
      await assert.rejects(listAccountTls(s), (e: Error & { fix?: string }) => /cannot be listed/.test(e.message) && /global_priv/.test(e.fix ?? ''));
    } finally {
      await s.close();
      await root.query(`DROP USER '${user}'@'%'`);
    }
  });

  it('reads the client certificate names in the form REQUIRE compares', async () => {
    const names = await certificateNamesOfFile(sb.certs.clientCert);
    assert.equal(names.subject, sb.certs.clientSubject);
    assert.equal(names.issuer, sb.certs.caSubject);
  });

  it('tells a confirmed refusal from an unconfirmed one and an account open to plaintext, without the account password', async () => {
    const port = sb.servers.tls.port;
    const grants = { runner: root, accountHost: '%' };
    const refused = await checkPlaintextLogin({ host: sb.host, port, user: 'app_ssl', grants });
    assert.equal(refused.outcome, 'refused', refused.detail);
    assert.match(refused.detail, /REQUIRE SSL/);
    const unconfirmed = await checkPlaintextLogin({ host: sb.host, port, user: 'app_x509' });
    assert.equal(unconfirmed.outcome, 'refused-unconfirmed', unconfirmed.detail);
    const x509 = await checkPlaintextLogin({ host: sb.host, port, user: 'app_x509', grants });
    assert.equal(x509.outcome, 'refused', x509.detail);
    const open = await checkPlaintextLogin({ host: sb.host, port, user: 'app_none', grants });
    assert.equal(open.outcome, 'accepted', open.detail);
    assert.match(open.detail, /REQUIRE NONE/);
  });

  it('require_secure_transport=ON refuses plaintext for a REQUIRE NONE account', async () => {
    const strict = await rootSession(sb, 'strict');
    try {
      const r = await checkPlaintextLogin({ host: sb.host, port: sb.servers.strict.port, user: 'app_none', grants: { runner: strict, accountHost: '%' } });
      assert.equal(r.outcome, 'refused', r.detail);
      assert.match(r.detail, /require_secure_transport/);
    } finally {
      await strict.close();
    }
  });
});
