/**
 * Query documents open in a `mysql` language (named "MySQL", not VS Code's "MS SQL") that reuses the built-in
 * SQL grammar, and every menu, keybinding and palette entry of the query commands works in both `sql` and
 * `mysql` documents. Checked on the manifest the VSIX ships, and on the files it points at.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '../../../..');
interface Manifest {
  contributes: {
    languages: { id: string; aliases?: string[]; configuration?: string; extensions?: string[] }[];
    grammars: { language?: string; scopeName: string; path: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    keybindings: { command: string; when?: string }[];
  };
}
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const QUERY_COMMANDS = ['mysqlTls.runStatement', 'mysqlTls.runAll', 'mysqlTls.changeQueryConnection'];

/** Whether a `when` clause's language condition (`editorLangId == x` or `editorLangId =~ /re/`) accepts a language. */
function acceptsLanguage(when: string, languageId: string): boolean {
  const regex = /editorLangId =~ \/(.+?)\/(?=\s|$)/.exec(when);
  if (regex) return new RegExp(regex[1]!).test(languageId);
  const equal = /editorLangId == (\S+)/.exec(when);
  return equal ? equal[1] === languageId : true;
}

describe('the MySQL language mode', () => {
  it('contributes a mysql language named "MySQL" with a grammar that reuses source.sql', () => {
    const language = manifest.contributes.languages.find((l) => l.id === 'mysql');
    assert.ok(language, 'contributes.languages has mysql');
    // The first alias is the name the language status and the language picker show.
    assert.equal(language.aliases?.[0], 'MySQL');
    assert.ok(!language.extensions?.includes('.sql'), 'plain .sql files stay in the built-in SQL language');
    const configuration = JSON.parse(readFileSync(path.join(root, language.configuration!), 'utf8')) as { comments: { lineComment: string } };
    assert.equal(configuration.comments.lineComment, '--');
    const grammar = manifest.contributes.grammars.find((g) => g.language === 'mysql');
    assert.ok(grammar);
    const file = path.join(root, grammar.path);
    assert.ok(existsSync(file), grammar.path);
    const tm = JSON.parse(readFileSync(file, 'utf8')) as { scopeName: string; patterns: { include: string }[] };
    assert.equal(tm.scopeName, grammar.scopeName);
    assert.deepEqual(tm.patterns, [{ include: 'source.sql' }]);
    // The VSIX allow-list ships media/ (the grammar and the configuration live there).
    assert.match(grammar.path, /^\.\/media\//);
    assert.match(language.configuration!, /^\.\/media\//);
    assert.match(readFileSync(path.join(root, '.vscodeignore'), 'utf8'), /^!media\/\*\*$/m);
  });

  it('offers the query commands in sql and mysql documents alike', () => {
    const entries = [...Object.values(manifest.contributes.menus).flat(), ...manifest.contributes.keybindings].filter(
      (e) => QUERY_COMMANDS.includes(e.command) && e.when?.includes('editorLangId'),
    );
    assert.ok(entries.length >= 8, `${entries.length} menu and keybinding entries`);
    for (const e of entries) {
      assert.ok(acceptsLanguage(e.when!, 'mysql'), `${e.command}: ${e.when}`);
      assert.ok(acceptsLanguage(e.when!, 'sql'), `${e.command}: ${e.when}`);
      assert.ok(!acceptsLanguage(e.when!, 'mssql') && !acceptsLanguage(e.when!, 'markdown'), `${e.command}: ${e.when}`);
    }
  });
});

describe('the query feature in code', () => {
  it('treats exactly the manifest languages as query documents and opens New Query in mysql', async () => {
    const { createFakeVscode, installFakeVscode } = await import('../extension/fakeVscode');
    const uninstall = installFakeVscode(createFakeVscode());
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const docs = require('../../../src/vscode/query/queryDocuments') as typeof import('../../../src/vscode/query/queryDocuments');
      assert.equal(docs.MYSQL_LANGUAGE_ID, 'mysql');
      assert.ok(manifest.contributes.languages.some((l) => l.id === docs.MYSQL_LANGUAGE_ID));
      assert.deepEqual([...docs.QUERY_LANGUAGE_IDS].sort(), ['mysql', 'sql']);
      assert.ok(docs.isQueryLanguage('mysql') && docs.isQueryLanguage('sql') && !docs.isQueryLanguage('plaintext'));
    } finally {
      uninstall();
    }
  });
});
