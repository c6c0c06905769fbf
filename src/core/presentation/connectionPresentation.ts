import { describeSshRoute, describeSshSettings } from './sshRoute';
import { effectiveSslMode } from '../tls/sslMode';
import { loginText } from './loginPresentation';
import type { ConnectionStatus } from '../connections/connectionRegistry';
import type { ConnectionProfile } from '../profile';
import type { InvalidConnection } from '../settings/connectionSettings';
import { SECURITY_LABELS } from '../tls/formatReport';
import { serverFieldText, type SecurityLevel, type TlsReport } from '../tls/tlsReport';
import { DEFAULT_PORT } from '../profile';
import { escapeMarkdown as escapeMarkdownText, markdownCodeSpan } from './escape';
import { checkWords } from './checkWords';
import { validityWords } from './expiry';
import { SECURITY_STATES, securityStateOf, type SecurityState } from './securityState';

export { checkWords, type CheckWords } from './checkWords';

/** Whose TLS the server's values describe: through ProxySQL's client port, the backend link's, not this socket's. */
function serverSide(report: TlsReport): string {
  return report.server.via === 'proxysql' ? "Backend link's TLS, as ProxySQL forwarded it" : 'Server';
}

/** Which icon a connection shows: its place on the security-state scale (securityState.ts). */
export type ConnectionIconKind = SecurityState;

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

/** The connection's state on the one security scale (kept under this name for existing callers). */
export const iconKindOf: (status: Pick<ConnectionStatus, 'state' | 'report'>) => SecurityState = securityStateOf;

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
  /** The verification fact's level: its icon is the level's (the same scale as the connection's). */
  level?: SecurityLevel;
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
    level: report.security,
  });
  const leaf = report.peerChain[0];
  if (leaf) {
    facts.push({
      key: 'serverCertificate',
      label: `Server certificate expires: ${formatDate(leaf.validTo)} (${validityWords(leaf.validTo)})`,
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
  const login = loginText(profile.auth);
  if (login) lines.push(escapeMarkdown(login), '');
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
    lines.push(`$(${SECURITY_STATES[r.security].icon}) Security: **${escapeMarkdown(SECURITY_LABELS[r.security])}**`, '');
    if (r.encrypted) {
      lines.push(`| | socket | ${r.server.via ? 'backend link (via ProxySQL)' : 'server'} |`, '|---|---|---|');
      // Table cells: a `|` in a server value would otherwise end the cell (even inside a code span).
      const cellCode = (text: string): string => markdownCodeSpan(text, { inTable: true });
      lines.push(`| protocol | ${cellCode(r.protocol ?? '')} | ${cellCode(serverFieldText(r.server, 'sslVersion'))} (Ssl_version) |`);
      lines.push(`| cipher | ${cellCode(r.cipher?.name ?? '')} | ${cellCode(serverFieldText(r.server, 'sslCipher'))} (Ssl_cipher) |`, '');
      lines.push(
        `Chain: ${escapeMarkdownText(checkWords(r, 'chain').text)}; host name ${codeSpan(r.verification.verifiedName)}: ${escapeMarkdownText(checkWords(r, 'host').text)}`,
      );
      const leaf = r.peerChain[0];
      if (leaf)
        lines.push('', `Server certificate expires ${escapeMarkdownText(formatDate(leaf.validTo))} (${escapeMarkdownText(validityWords(leaf.validTo))})`);
    } else {
      lines.push(
        `Not encrypted${r.fallback ? ': the server offers no TLS, so PREFERRED fell back to plaintext' : ''}. ${serverSide(r)}: Ssl_version=${codeSpan(serverFieldText(r.server, 'sslVersion'))} Ssl_cipher=${codeSpan(serverFieldText(r.server, 'sslCipher'))}`,
      );
    }
  } else
    lines.push(r ? 'Not connected (the TLS details keep the report of the last session or test).' : 'Not connected, and not tested since VS Code started.');
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
  /** The state on the security scale (the status bar item's icon and colour come from it). */
  state: SecurityState;
}

/** What else the focused context says: a query editor's database and read-only flag. */
export interface StatusBarFocus {
  database?: string;
  readOnly?: boolean;
}

/**
 * The one status bar item, for the focused connection: `$(icon) NAME: state words · TLSv1.3`, always with the
 * connection's name and its state in words (colour alone is not enough). The cipher and the socket/server
 * comparison are in the tooltip.
 */
export function statusBarPresentation(name: string, profile: ConnectionProfile, status: ConnectionStatus, focus: StatusBarFocus = {}): StatusBarPresentation {
  const tooltipMarkdown = tlsSummaryMarkdown(name, profile, status);
  const state = securityStateOf(status);
  const style = SECURITY_STATES[state];
  const label = `${name}${focus.database ? ` · ${focus.database}` : ''}`;
  const r = status.report;
  let words = style.words;
  if (status.state === 'reconnecting') words = `reconnecting${status.reconnect ? ` (${status.reconnect.attempt}/${status.reconnect.maxAttempts})` : ''}`;
  else if (state === 'plaintext' && r?.fallback) words = 'plaintext (the server offers no TLS)';
  const tls = status.state === 'connected' && r?.encrypted && r.protocol ? ` · ${r.protocol}` : '';
  const background = status.state === 'reconnecting' ? 'warning' : style.statusBackground;
  const text = `$(${style.icon}) ${label}: ${words}${tls}${focus.readOnly ? ' · read-only' : ''}`;
  return { text, tooltipMarkdown, background, state };
}
