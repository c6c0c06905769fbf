/**
 * The toast after an export offers the next step: Open (the file in an editor) and, on a desktop window
 * with a local extension host, Reveal in the OS file manager. Driven through the fake VS Code
 * (test/core/extension/fakeVscode.ts), recording the commands the buttons run.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { createFakeVscode, installFakeVscode } from '../extension/fakeVscode';

describe('the export toast', () => {
  const fake = createFakeVscode();
  const uninstall = installFakeVscode(fake);
  const env = fake.module.env as Record<string, unknown>;
  fake.module.UIKind = { Desktop: 1, Web: 2 };
  const ran: { id: string; arg: unknown }[] = [];
  for (const id of ['vscode.open', 'revealFileInOS']) fake.commands.set(id, (arg: unknown) => void ran.push({ id, arg }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const toast = require('../../../src/vscode/query/exportToast') as typeof import('../../../src/vscode/query/exportToast');
  const file = { scheme: 'file', fsPath: '/work/exports/result-1.csv', toString: () => 'file:///work/exports/result-1.csv' };

  beforeEach(() => {
    fake.notifications.length = 0;
    fake.answers.length = 0;
    ran.length = 0;
    env.uiKind = 1;
    env.remoteName = undefined;
  });
  after(() => uninstall());

  it('names the rows and the file, and Open opens the exported file', async () => {
    fake.answers.push({ pattern: /exported/, item: 'Open' });
    const choice = await toast.offerExportedFile(file as never, 1_000_000);
    assert.equal(choice, 'Open');
    assert.equal(fake.notifications.length, 1);
    assert.equal(fake.notifications[0]!.message, 'MySQL TLS: exported 1,000,000 rows to /work/exports/result-1.csv.');
    assert.deepEqual(ran, [{ id: 'vscode.open', arg: file }]);
  });

  it('says "1 row" for one row', async () => {
    await toast.offerExportedFile(file as never, 1);
    assert.match(fake.notifications[0]!.message, /exported 1 row to /);
    assert.deepEqual(ran, [], 'a dismissed toast runs nothing');
  });

  it('offers Reveal on a local desktop window, and it reveals the file', async () => {
    const reveal = toast.revealLabel();
    fake.answers.push({ pattern: /exported/, item: reveal });
    await toast.offerExportedFile(file as never, 3);
    assert.deepEqual(fake.notifications[0]!.items, ['Open', reveal]);
    assert.deepEqual(ran, [{ id: 'revealFileInOS', arg: file }]);
  });

  it('offers only Open in a browser or a remote window, where the OS file manager is on another machine', async () => {
    env.uiKind = 2;
    await toast.offerExportedFile(file as never, 3);
    env.uiKind = 1;
    env.remoteName = 'ssh-remote';
    await toast.offerExportedFile(file as never, 3);
    assert.deepEqual(
      fake.notifications.map((n) => n.items),
      [['Open'], ['Open']],
    );
  });

  it('names the reveal action as each OS does', () => {
    assert.equal(toast.revealLabel('darwin'), 'Reveal in Finder');
    assert.equal(toast.revealLabel('win32'), 'Reveal in File Explorer');
    assert.equal(toast.revealLabel('linux'), 'Open Containing Folder');
  });

  it('reports a file that cannot be opened instead of failing silently', async () => {
    fake.commands.set('vscode.open', () => Promise.reject(new Error('the file is too large to open')));
    try {
      fake.answers.push({ pattern: /exported/, item: 'Open' });
      await toast.offerExportedFile(file as never, 3);
      assert.equal(fake.notifications[1]?.level, 'error');
      assert.match(fake.notifications[1]!.message, /could not open \/work\/exports\/result-1\.csv: the file is too large to open/);
    } finally {
      fake.commands.set('vscode.open', (arg: unknown) => void ran.push({ id: 'vscode.open', arg }));
    }
  });
});
