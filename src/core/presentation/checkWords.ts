import type { TlsReport } from '../tls/tlsReport';
import { goodTone, type Tone } from './securityState';

/** A check of the handshake in words, with its tone (see checkWords). */
export interface CheckWords {
  text: string;
  tone: Tone;
}

/**
 * The chain or host-name check of a session in words that say what was done: a check that was not done
 * (no TLS, no CA configured, a resumed session) reads "not checked (why)", never "failed"; a result the mode
 * did not enforce says so. Green (`ok`) only when the session itself is verified.
 */
export function checkWords(report: TlsReport, check: 'chain' | 'host'): CheckWords {
  const v = report.verification;
  if (!report.encrypted) return { text: 'not checked (no TLS)', tone: 'neutral' };
  const result = check === 'chain' ? v.chain : v.host;
  const enforced = check === 'chain' ? v.chainEnforced : v.hostEnforced;
  if (result === 'not-checked') return { text: report.sessionReused ? 'not checked (resumed TLS session)' : 'not checked', tone: 'neutral' };
  if (check === 'chain') {
    if (result === 'verified') return enforced ? { text: 'verified', tone: goodTone(report.security) } : { text: 'verified (not enforced)', tone: 'neutral' };
    // Without a CA there was nothing of the user's to check against: Node's public roots failing a private
    // server's certificate is not a failed check, it is no check.
    if (!enforced && v.caSource === 'none') return { text: 'not checked (no CA)', tone: 'neutral' };
    return { text: enforced ? 'failed' : 'fails against the CA (not enforced)', tone: enforced ? 'bad' : 'warn' };
  }
  if (result === 'verified') return enforced ? { text: 'verified', tone: goodTone(report.security) } : { text: 'matches (not enforced)', tone: 'neutral' };
  return { text: enforced ? 'failed' : 'does not match (not enforced)', tone: enforced ? 'bad' : 'warn' };
}
