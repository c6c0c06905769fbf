import type { ConnectionStatus } from '../connections/connectionRegistry';
import type { SecurityLevel } from '../tls/tlsReport';

/**
 * The one security-state scale of the UI: the tree, the status bar and the TLS details all take their words,
 * icons and colours from here, so a stronger state never looks weaker anywhere.
 *
 * The scale proper runs plaintext < encrypted (not verified) < verified CA < verified identity. Around it:
 * not connected (nothing to show yet), connecting, and error (the last attempt failed).
 */
export type SecurityState = 'not-connected' | 'connecting' | 'error' | SecurityLevel;

/** The levels from weakest to strongest. */
export const SECURITY_SCALE: readonly SecurityLevel[] = ['plaintext', 'encrypted', 'verified-ca', 'verified-identity'];

/** Position on the scale (0 = plaintext); -1 for the states that are not a level of security. */
export function securityRank(state: SecurityState): number {
  return (SECURITY_SCALE as readonly string[]).indexOf(state);
}

/** The colours contributed in package.json (`contributes.colors`), with light, dark and both high-contrast values. */
export const SECURITY_COLORS = {
  verified: 'mysqlTls.verifiedForeground',
  unverified: 'mysqlTls.unverifiedForeground',
  plaintext: 'mysqlTls.plaintextForeground',
  error: 'mysqlTls.errorForeground',
} as const;
export type SecurityColorId = (typeof SECURITY_COLORS)[keyof typeof SECURITY_COLORS];

/** Badge colours in the TLS details (background and text pairs, each readable at 4.5:1 in every default theme). */
export const BADGE_COLORS = {
  ok: { background: 'mysqlTls.badgeOkBackground', foreground: 'mysqlTls.badgeOkForeground' },
  warn: { background: 'mysqlTls.badgeWarnBackground', foreground: 'mysqlTls.badgeWarnForeground' },
  bad: { background: 'mysqlTls.badgeBadBackground', foreground: 'mysqlTls.badgeBadForeground' },
} as const;

/**
 * How a state reads. `ok` (green) only for the verified levels: no other state, and nothing shown next to an
 * insecure session, is ever green.
 */
export type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

export interface SecurityStateStyle {
  /** Words for the status bar, the tree and the details ("verified identity"). */
  words: string;
  /** A codicon id (`$(id)` in the status bar, ThemeIcon in the tree). */
  icon: string;
  /** The icon's theme colour; undefined keeps the theme's default foreground. */
  color?: SecurityColorId;
  tone: Tone;
  /** Insecure states get the status bar's warning (or error) background. */
  statusBackground: 'none' | 'warning' | 'error';
}

/**
 * Icons grow with the level: an open lock (plaintext), a closed lock (encrypted, nobody verified who holds
 * the other end), an outlined check badge (the chain is verified: some server of that CA), a filled one
 * (the chain and the host name: this server).
 */
export const SECURITY_STATES: Record<SecurityState, SecurityStateStyle> = {
  'not-connected': { words: 'not connected', icon: 'plug', tone: 'neutral', statusBackground: 'none' },
  connecting: { words: 'connecting…', icon: 'sync~spin', tone: 'neutral', statusBackground: 'none' },
  error: { words: 'failed', icon: 'error', color: SECURITY_COLORS.error, tone: 'bad', statusBackground: 'error' },
  plaintext: { words: 'plaintext', icon: 'unlock', color: SECURITY_COLORS.plaintext, tone: 'bad', statusBackground: 'warning' },
  encrypted: { words: 'encrypted, not verified', icon: 'lock', color: SECURITY_COLORS.unverified, tone: 'warn', statusBackground: 'warning' },
  'verified-ca': { words: 'verified CA', icon: 'verified', color: SECURITY_COLORS.verified, tone: 'ok', statusBackground: 'none' },
  'verified-identity': { words: 'verified identity', icon: 'verified-filled', color: SECURITY_COLORS.verified, tone: 'ok', statusBackground: 'none' },
};

/** Whether a level proves who the server is (the only states shown in green). */
export function isVerified(state: SecurityState): boolean {
  return state === 'verified-ca' || state === 'verified-identity';
}

/** The state of a connection: by its status, and once connected by the security its handshake enforced. */
export function securityStateOf(status: Pick<ConnectionStatus, 'state' | 'report'>): SecurityState {
  switch (status.state) {
    case 'connected':
      return status.report?.security ?? 'plaintext';
    case 'connecting':
    case 'reconnecting':
      return 'connecting';
    case 'error':
      return 'error';
    default:
      return 'not-connected';
  }
}

/**
 * The tone of a fact that is fine in itself ("agree", "364 days left", "enforced by the mode"): green only
 * next to a verified session; next to an unverified or plaintext one it stays neutral, so green never sits
 * beside an insecure state.
 */
export function goodTone(level: SecurityLevel): Tone {
  return isVerified(level) ? 'ok' : 'neutral';
}
