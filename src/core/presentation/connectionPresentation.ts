import { describeSshRoute, describeSshSettings } from './sshRoute';
import { effectiveSslMode } from '../tls/sslMode';
import type { ConnectionStatus } from '../connections/connectionRegistry';
import type { ConnectionProfile } from '../profile';
import type { InvalidConnection } from '../settings/connectionSettings';
import { SECURITY_LABELS } from '../tls/formatReport';
import { serverFieldText, type SecurityLevel, type TlsReport } from '../tls/tlsReport';
import { DEFAULT_PORT } from '../profile';
import { escapeMarkdown as escapeMarkdownText, markdownCodeSpan } from './escape';

/** Whose TLS the server's values describe: through ProxySQL's client port, the backend link's, not this socket's. */
function serverSide(report: TlsReport): string {
  return report.server.via === 'proxysql' ? "Backend link's TLS, as ProxySQL forwarded it" : 'Server';
}

/** Which icon a connection shows: by state, and once connected by the security the handshake enforced. */
export type ConnectionIconKind = 'disconnected' | 'connecting' | 'error' | SecurityLevel;

/** Short words for the security level, used in the tree ("Verification: verified identity"). */
export const VERIFICATION_WORDS: Record<SecurityLevel, string> = {
  plaintext: 'none (plaintext)',
  encrypted: 'not verified',
  'verified-ca': 'verified CA',
  'verified-identity': 'verified identity',
};

/** The mode a profile asks for, as the UI names it (PREFERRED when unset without a CA, as the engine does). */
export function modeLabel(profile: ConnectionProfile): string {
  return effectiveSslMode(profile.ssl);
}

/** `host:port · MODE` */
export function connectionDescription(profile: ConnectionProfile): string {
  return `${profile.host}:${profile.port ?? DEFAULT_PORT} · ${modeLabel(profile)}`;
}

export function iconKindOf(status: ConnectionStatus): ConnectionIconKind {
  switch (status.state) {
    case 'connected':
      return status.report?.security ?? 'plaintext';
    case 'connecting':
    case 'reconnecting':
      return 'connecting';
    case 'error':
      return 'error';
    default:
      return 'disconnected';
  }
}

/** Escapes text for VS Code markdown (tooltips). Kept under this name for existing callers. */
export const escapeMarkdown = escapeMarkdownText;

/** A technical value (cipher, protocol, host) as a code span: shown verbatim, whatever it contains. */
export function codeSpan(text: string): string {
  return markdownCodeSpan(text);
}

export function formatDate(iso: string): string {
  return iso.slice(0, 10);
}

export interface TlsFact {
  /** Stable key (tree item ids). */
  key: 'protocol' | 'cipher' | 'verification' | 'serverCertificate';
  label: string;
  /** Expiry within 30 days, not verified, plaintext. */
  warning: boolean;
  tooltip?: string;
}

export const EXPIRY_WARNING_DAYS = 30;

/** The children of the `TLS` node under a connected connection. */
export function tlsFacts(report: TlsReport): TlsFact[] {
  const facts: TlsFact[] = [];
  facts.push({
    key: 'protocol',
    label: `Protocol: ${report.encrypted ? (report.protocol ?? 'unknown') : 'none (plaintext)'}`,
    warning: !report.encrypted,
    tooltip: `${serverSide(report)}: Ssl_version=${serverFieldText(report.server, 'sslVersion')}`,
  });
  if (report.encrypted)
    facts.push({
      key: 'cipher',
      label: `Cipher: ${report.cipher?.name ?? 'unknown'}`,
      warning: false,
      tooltip: `${serverSide(report)}: Ssl_cipher=${serverFieldText(report.server, 'sslCipher')}`,
    });
  facts.push({
    key: 'verification',
    label: `Verification: ${VERIFICATION_WORDS[report.security]}`,
    warning: report.security === 'plaintext' || report.security === 'encrypted',
    tooltip: SECURITY_LABELS[report.security],
  });
  const leaf = report.peerChain[0];
  if (leaf) {
    facts.push({
      key: 'serverCertificate',
      label: `Server certificate expires: ${formatDate(leaf.validTo)} (${leaf.daysLeft} days)`,
      warning: leaf.daysLeft < EXPIRY_WARNING_DAYS,
      tooltip: `${leaf.subject}\nissued by ${leaf.issuer}`,
    });
  }
  return facts;
}

/** The markdown tooltip of a connection node and of the status bar item. */
export function tlsSummaryMarkdown(name: string, profile: ConnectionProfile, status: ConnectionStatus): string {
  const lines: string[] = [`**${escapeMarkdown(name)}** — ${codeSpan(`${profile.user}@${profile.host}:${profile.port ?? DEFAULT_PORT}`)}`, ''];
  // The SSH hop: verified (with the host key) once connected, as configured before.
  const hop = (status.state === 'connected' ? describeSshRoute(status.report?.ssh) : undefined) ?? describeSshSettings(profile.ssh);
  if (hop) lines.push(codeSpan(hop), '');
  lines.push(`Mode asked: ${codeSpan(modeLabel(profile))}`, '');
  const r = status.report;
  if (status.state === 'connecting') lines.push('Connecting…');
  else if (status.state === 'reconnecting' && status.reconnect) {
    lines.push(
      `$(sync~spin) Reconnecting: attempt ${status.reconnect.attempt} of ${status.reconnect.maxAttempts}, same mode ${codeSpan(modeLabel(profile))} (never a weaker one).`,
      '',
      `Lost: ${escapeMarkdown(status.reconnect.reason.title)}: ${escapeMarkdown(status.reconnect.reason.detail)}`,
    );
  } else if (status.state === 'error' && status.error) {
    lines.push(`$(error) **${escapeMarkdown(status.error.title)}**`, '', escapeMarkdown(status.error.detail), '', `Fix: ${escapeMarkdown(status.error.fix)}`);
  } else if (status.state === 'connected' && r) {
    lines.push(`Security: **${escapeMarkdown(SECURITY_LABELS[r.security])}**`, '');
    if (r.encrypted) {
      lines.push(`| | socket | ${r.server.via ? 'backend link (via ProxySQL)' : 'server'} |`, '|---|---|---|');
      // Table cells: a `|` in a server value would otherwise end the cell (even inside a code span).
      const cellCode = (text: string): string => markdownCodeSpan(text, { inTable: true });
      lines.push(`| protocol | ${cellCode(r.protocol ?? '')} | ${cellCode(serverFieldText(r.server, 'sslVersion'))} (Ssl_version) |`);
      lines.push(`| cipher | ${cellCode(r.cipher?.name ?? '')} | ${cellCode(serverFieldText(r.server, 'sslCipher'))} (Ssl_cipher) |`, '');
      lines.push(
        `Chain: ${escapeMarkdownText(r.verification.chain)}${r.verification.chainEnforced ? ' (enforced)' : ' (not enforced)'}; host name ${codeSpan(r.verification.verifiedName)}: ${escapeMarkdownText(r.verification.host)}${r.verification.hostEnforced ? ' (enforced)' : ' (not enforced)'}`,
      );
      const leaf = r.peerChain[0];
      if (leaf) lines.push('', `Server certificate expires ${escapeMarkdownText(formatDate(leaf.validTo))} (${leaf.daysLeft} days)`);
    } else {
      lines.push(
        `Not encrypted${r.fallback ? ': the server offers no TLS, so PREFERRED fell back to plaintext' : ''}. ${serverSide(r)}: Ssl_version=${codeSpan(serverFieldText(r.server, 'sslVersion'))} Ssl_cipher=${codeSpan(serverFieldText(r.server, 'sslCipher'))}`,
      );
    }
  } else lines.push('Not connected');
  return lines.join('\n');
}

/**
 * The tooltip of a settings entry that cannot be used. A workspace's settings file can come with a cloned
 * repository, and the problem messages quote its values: every part is escaped.
 */
export function invalidConnectionTooltipMarkdown(invalid: Pick<InvalidConnection, 'scope' | 'problems'>): string {
  return [
    `Invalid connection in ${escapeMarkdownText(invalid.scope)} settings (mysqlTls.connections):`,
    '',
    ...invalid.problems.map((p) => `- ${p.field ? `${codeSpan(p.field)}: ` : ''}${escapeMarkdownText(p.message)}`),
  ].join('\n');
}

export interface StatusBarPresentation {
  text: string;
  tooltipMarkdown: string;
  background: 'none' | 'warning' | 'error';
}

/** The status bar item for the active connection. Its text carries the socket's exact cipher name. */
export function statusBarPresentation(name: string, profile: ConnectionProfile, status: ConnectionStatus): StatusBarPresentation {
  const tooltipMarkdown = tlsSummaryMarkdown(name, profile, status);
  const r = status.report;
  switch (status.state) {
    case 'connecting':
      return { text: `$(sync~spin) ${name}`, tooltipMarkdown, background: 'none' };
    case 'reconnecting':
      return {
        text: `$(sync~spin) ${name}: reconnecting${status.reconnect ? ` (${status.reconnect.attempt}/${status.reconnect.maxAttempts})` : ''}`,
        tooltipMarkdown,
        background: 'warning',
      };
    case 'error':
      return { text: `$(error) ${name}`, tooltipMarkdown, background: 'error' };
    case 'connected': {
      if (!r || !r.encrypted) return { text: `$(unlock) ${name}: plaintext`, tooltipMarkdown, background: 'warning' };
      const tls = `${r.protocol ?? ''} ${r.cipher?.name ?? ''}`.trim();
      const verified = r.security === 'verified-identity' || r.security === 'verified-ca';
      return verified ? { text: `$(lock) ${tls}`, tooltipMarkdown, background: 'none' } : { text: `$(unlock) ${tls}`, tooltipMarkdown, background: 'warning' };
    }
    default:
      return { text: `$(plug) ${name}`, tooltipMarkdown, background: 'none' };
  }
}
