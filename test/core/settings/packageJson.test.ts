import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { SSL_MODE_RULES, SSL_MODES, TLS_VERSIONS } from '../../../src/core/tls/sslMode';
import { COMMAND_CATEGORY, COMMAND_IDS, COMMAND_TITLES } from '../../../src/vscode/commandIds';

interface Pkg {
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category: string }[];
    configuration: {
      properties: Record<
        string,
        {
          items?: { properties: Record<string, { properties?: Record<string, { enum?: string[]; enumDescriptions?: string[] }> }> };
          enum?: string[];
          default?: unknown;
        }
      >;
    };
    viewsContainers: { activitybar: { id: string; title: string; icon: string }[] };
    views: Record<string, { id: string; name: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
    menus: Record<string, { command: string }[]>;
  };
  dependencies: Record<string, string>;
}

const root = path.resolve(__dirname, '../../../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Pkg;

describe('package.json contributions', () => {
  it('declares exactly the commands of the command table, with their titles and category', () => {
    const declared = pkg.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(declared, [...COMMAND_IDS].sort());
    for (const c of pkg.contributes.commands) {
      assert.equal(c.title, COMMAND_TITLES[c.command as keyof typeof COMMAND_TITLES]);
      assert.equal(c.category, COMMAND_CATEGORY);
    }
    const menuCommands = Object.values(pkg.contributes.menus)
      .flat()
      .map((m) => m.command);
    for (const c of menuCommands) assert.ok(COMMAND_IDS.includes(c as never), `menu names unknown command ${c}`);
  });

  it('has the view container, the view and its welcome content', () => {
    assert.deepEqual(
      pkg.contributes.viewsContainers.activitybar.map((v) => [v.id, v.title]),
      [['mysqlTls', 'MySQL TLS']],
    );
    assert.ok(readFileSync(path.join(root, pkg.contributes.viewsContainers.activitybar[0]!.icon), 'utf8').includes('<svg'));
    assert.deepEqual(
      pkg.contributes.views.mysqlTls!.map((v) => [v.id, v.name]),
      [['mysqlTls.connections', 'Connections']],
    );
    assert.match(pkg.contributes.viewsWelcome[0]!.contents, /\[Add Connection\]\(command:mysqlTls\.addConnection\)/);
    assert.ok(pkg.activationEvents.includes('onStartupFinished'));
  });

  it('derives the ssl.mode and TLS version enums from the engine tables and has no password property', () => {
    const props = pkg.contributes.configuration.properties;
    const item = props['mysqlTls.connections']!.items!;
    const ssl = item.properties.ssl!.properties!;
    assert.deepEqual(ssl.mode!.enum, [...SSL_MODES]);
    assert.deepEqual(
      ssl.mode!.enumDescriptions,
      SSL_MODES.map((m) => SSL_MODE_RULES[m].description),
    );
    assert.deepEqual(ssl.minVersion!.enum, [...TLS_VERSIONS]);
    assert.deepEqual(ssl.maxVersion!.enum, [...TLS_VERSIONS]);
    const text = JSON.stringify(props['mysqlTls.connections']!.items);
    assert.ok(!/"password"\s*:/.test(text) && !/"passphrase"\s*:/.test(text), 'no password/passphrase property in the schema');
    assert.deepEqual(props['mysqlTls.secretStorage']!.enum, ['keychain', 'secretStorage']);
    assert.equal(props['mysqlTls.secretStorage']!.default, 'keychain');
    assert.equal(props['mysqlTls.activeConnection'], undefined, 'the active connection is workspace state, not a setting');
  });

  it('depends on @vscode-elements/elements for the webview', () => {
    assert.ok(pkg.dependencies['@vscode-elements/elements']);
  });
});
