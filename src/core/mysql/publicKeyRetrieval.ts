import type { ConnectionProfile } from '../profile';
import { effectiveSslMode } from '../tls/sslMode';

/**
 * True when the profile lets a server hand out the key the password is encrypted to (anyone on the path can
 * answer with their own): getServerPublicKey is on, no key is pinned, and the mode can end up without TLS
 * (DISABLED, or PREFERRED, also when no mode and no CA are set). REQUIRED and above never ask for the key.
 */
export function publicKeyRetrievalIsInsecure(profile: Pick<ConnectionProfile, 'getServerPublicKey' | 'serverPublicKey' | 'ssl'>): boolean {
  if (profile.getServerPublicKey !== true || profile.serverPublicKey) return false;
  const mode = effectiveSslMode(profile.ssl);
  return mode === 'DISABLED' || mode === 'PREFERRED';
}
