import { escapeMarkdown } from '../presentation/escape';
import { pendingLabel, type ServerEntry } from './tlsState';

/**
 * The Markdown tooltip of a ProxySQL backend server. Host names and status come from the admin
 * interface (anyone who can write mysql_servers chooses them), so each goes through escapeMarkdown: a
 * host name like `[x](command:...)` or `<img src=...>` shows as text, never as a link or an image.
 */
export function proxysqlServerTooltipMarkdown(e: ServerEntry): string {
  const row = (layer: 'memory' | 'runtime' | 'disk'): string => {
    const r = e[layer];
    return r ? `use\\_ssl=${r.useSsl ? 1 : 0}, status ${escapeMarkdown(r.status)}, weight ${escapeMarkdown(r.weight)}` : '(absent)';
  };
  return [
    `**${escapeMarkdown(`${e.hostname}:${e.port}`)}** in hostgroup ${escapeMarkdown(e.hostgroupId)}`,
    '',
    `- memory (mysql\\_servers): ${row('memory')}`,
    `- runtime (runtime\\_mysql\\_servers, live): ${row('runtime')}`,
    `- disk (disk.mysql\\_servers): ${row('disk')}`,
    '',
    pendingLabel(e.pending) ?? 'memory, runtime and disk agree',
    ...(e.backendTls ? ['', `Backend TLS: ${escapeMarkdown(e.backendTls.text)}`] : []),
    ...(e.backendTls && e.backendTls.state !== 'not-running'
      ? ['', 'Only idle pooled connections (stats\\_mysql\\_free\\_connections) show their TLS; connections in use cannot be seen.']
      : []),
  ].join('\n');
}
