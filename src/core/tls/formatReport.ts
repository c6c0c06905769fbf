import type { CertificateInfo } from '../certificates/certificateInfo';
import { checkWords } from '../presentation/checkWords';
import { plainTextLine } from '../presentation/escape';
import { agreementVerdict, serverFieldText, serverViewLabel, type SecurityLevel, type TlsReport } from './tlsReport';

export const SECURITY_LABELS: Record<SecurityLevel, string> = {
  plaintext: 'plaintext (not encrypted)',
  encrypted: 'encrypted, server NOT verified',
  'verified-ca': 'encrypted, chain verified against the CA (host name not checked)',
  'verified-identity': 'encrypted, chain and host name verified',
};

function certLine(c: CertificateInfo): string {
  const sans = c.subjectAltNames.length ? `; SAN ${c.subjectAltNames.join(', ')}` : '';
  return `${c.subject} (issuer ${c.issuer}${sans}; valid to ${c.validTo.slice(0, 10)}, ${c.daysLeft} days)`;
}

/**
 * The plain-text report the CLI prints (and the extension copies with "Copy Report"). Each line goes
 * through plainTextLine: the server version, certificate subjects, issuers and SANs, Ssl_% values and
 * verification errors are the server's words, and a newline or terminal escape in one must not fake a
 * line of the report or rewrite the terminal.
 */
export function formatReport(r: TlsReport, user: string): string {
  const pad = (k: string): string => `  ${k.padEnd(13)}`;
  const lines = [`${user}@${r.host}:${r.port}  mode ${r.modeRequested}  ${r.serverVersion}`];
  lines.push(`${pad('security')}${SECURITY_LABELS[r.security]}${r.fallback ? ' - PREFERRED fell back: the server offers no TLS' : ''}`);
  if (r.server.via) lines.push(`${pad('via')}ProxySQL (@@version_comment): the client's socket below is the link to the proxy`);
  if (r.encrypted) {
    const verdict = (ok: boolean): string =>
      ({ 'not-asked': 'server not asked', 'not-reported': 'not reported by the server', 'other-link': '', agree: 'agree', differ: 'DIFFER' })[
        agreementVerdict(r, ok)
      ];
    const server = r.server.via ? 'backend link' : 'server';
    lines.push(`${pad('protocol')}${r.protocol} (${server}: ${serverFieldText(r.server, 'sslVersion')}) ${verdict(r.agreement.protocol)}`.trimEnd());
    lines.push(`${pad('cipher')}${r.cipher?.name} (${server}: ${serverFieldText(r.server, 'sslCipher')}) ${verdict(r.agreement.cipher)}`.trimEnd());
    lines.push(
      `${pad('chain')}${checkWords(r, 'chain').text}${r.verification.chainEnforced ? ' (enforced)' : ''}${r.verification.chainError ? `: ${r.verification.chainError}` : ''}`,
    );
    lines.push(
      `${pad('host name')}${r.verification.verifiedName}: ${checkWords(r, 'host').text}${r.verification.hostEnforced ? ' (enforced)' : ''}${r.verification.hostError ? `: ${r.verification.hostError}` : ''}`,
    );
    r.peerChain.forEach((c, i) => lines.push(`${pad(i === 0 ? 'server cert' : `  chain #${i}`)}${certLine(c)}`));
    if (r.sessionReused) lines.push(`${pad('session')}resumed TLS session`);
  } else {
    lines.push(
      `${pad(r.server.via ? 'backend link' : 'server says')}Ssl_version=${serverFieldText(r.server, 'sslVersion')} Ssl_cipher=${serverFieldText(r.server, 'sslCipher')}${r.server.via ? ` (${serverViewLabel(r.server)})` : ''}`,
    );
  }
  if (r.clientCertificate) lines.push(`${pad('client cert')}${certLine(r.clientCertificate)}`);
  for (const h of r.hints) lines.push(`${pad('hint')}${h}`);
  return lines.map(plainTextLine).join('\n');
}
