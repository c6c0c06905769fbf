/**
 * MySQL's --ssl-mode semantics, as one table. Everything else (driver options, the report, the UI)
 * derives from this table so the five modes cannot drift apart.
 */
export const SSL_MODES = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface SslModeRules {
  /** 'never': no TLS; 'if-offered': TLS only when the server's greeting advertises it; 'always': TLS or fail. */
  readonly tls: 'never' | 'if-offered' | 'always';
  /** Whether the server's chain must verify against the configured CA (enforced during the handshake). */
  readonly verifyChain: boolean;
  /** Whether the host name (or IP) must match the certificate's SANs (CN when no SAN), during the handshake. */
  readonly verifyHost: boolean;
  readonly description: string;
}

export const SSL_MODE_RULES: Readonly<Record<SslMode, SslModeRules>> = {
  DISABLED: {
    tls: 'never',
    verifyChain: false,
    verifyHost: false,
    description: 'Never use TLS. Everything, including the login exchange, travels in plaintext.',
  },
  PREFERRED: {
    tls: 'if-offered',
    verifyChain: false,
    verifyHost: false,
    description:
      'Use TLS when the server offers it, without verifying the certificate. Falls back to plaintext only when the server offers no TLS (and says so); a failed TLS handshake is an error, never a fallback.',
  },
  REQUIRED: {
    tls: 'always',
    verifyChain: false,
    verifyHost: false,
    description: 'Always use TLS or fail. The server certificate is not verified: encrypted, but not authenticated.',
  },
  VERIFY_CA: {
    tls: 'always',
    verifyChain: true,
    verifyHost: false,
    description: 'Always use TLS and verify the server certificate chain against the configured CA. The host name is not checked.',
  },
  VERIFY_IDENTITY: {
    tls: 'always',
    verifyChain: true,
    verifyHost: true,
    description:
      'Always use TLS, verify the chain against the configured CA, and check that the certificate names the host (DNS or IP SAN, CN when there is no SAN). The check completes before any credential is sent.',
  },
};

/** Accepts MySQL spellings (`VERIFY_IDENTITY`, `verify_identity`, `verify-identity`). */
export function parseSslMode(value: string): SslMode | undefined {
  const normalized = value.trim().toUpperCase().replace(/-/g, '_');
  return (SSL_MODES as readonly string[]).includes(normalized) ? (normalized as SslMode) : undefined;
}

export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

export function parseTlsVersion(value: string): TlsVersion | undefined {
  const v = value.trim().replace(/^tlsv?/i, '');
  const map: Record<string, TlsVersion> = { '1': 'TLSv1', '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' };
  return map[v];
}

/** Whether `mode` protects less than `than` (SSL_MODES is ordered from weakest to strongest). */
export function modeIsWeaker(mode: SslMode, than: SslMode): boolean {
  return SSL_MODES.indexOf(mode) < SSL_MODES.indexOf(than);
}

/** Whether a mode verifies the server's chain (VERIFY_CA and VERIFY_IDENTITY). */
export function modeVerifiesChain(mode: SslMode): boolean {
  return SSL_MODE_RULES[mode].verifyChain;
}

/**
 * The mode a profile runs with: ssl.mode, or (unset) VERIFY_CA when a CA is named and PREFERRED otherwise, as
 * MySQL 8 clients do. The one place this default is decided.
 */
export function effectiveSslMode(ssl: { mode?: SslMode; ca?: string } | undefined): SslMode {
  return ssl?.mode ?? (ssl?.ca ? 'VERIFY_CA' : 'PREFERRED');
}
