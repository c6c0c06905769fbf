import type { SshSettings } from '../profile';
import { DEFAULT_SSH_PORT } from '../profile';
import type { SshHopReport, SshRouteReport } from '../ssh/tunnel';

function endpoint(h: { user: string; host: string; port?: number }): string {
  const host = h.host.includes(':') ? `[${h.host}]` : h.host;
  return `${h.user}@${host}:${h.port ?? DEFAULT_SSH_PORT}`;
}

/** One verified hop: `deploy@bastion:22 (ED25519 SHA256:...)`. */
export function describeSshHop(hop: SshHopReport): string {
  return `${endpoint(hop)} (${hop.typeLabel} ${hop.fingerprint})`;
}

/**
 * The hop line of the tree tooltip, the status bar tooltip, TLS details and the CLI, for a session that went
 * through SSH: `via deploy@bastion:22 (ED25519 SHA256:...)`, a jump host first (`via a (..) → b (..)`).
 * Undefined for a direct connection.
 */
export function describeSshRoute(route: SshRouteReport | undefined): string | undefined {
  if (!route || route.hops.length === 0) return undefined;
  return `via ${route.hops.map(describeSshHop).join(' → ')}`;
}

/** The configured route before a connect (no host key yet): `via deploy@bastion:22`. */
export function describeSshSettings(ssh: SshSettings | undefined): string | undefined {
  if (!ssh) return undefined;
  return `via ${[...(ssh.jump ? [ssh.jump] : []), ssh].map(endpoint).join(' → ')}`;
}

/**
 * Test Connection's SSH step in words, apart from the TLS step: on success the verified hop; on failure whether it
 * was the SSH step (an ssh-* cause: host key, authentication, bastion, forward) or the SSH step passed and the
 * TLS/MySQL step failed. Undefined for a connection without SSH.
 */
export function sshTestStep(
  ssh: SshSettings | undefined,
  outcome: { ok: true; report: { ssh?: SshRouteReport } } | { ok: false; error: { code: string } },
): string | undefined {
  if (!ssh) return undefined;
  if (outcome.ok) return `SSH step: passed, ${describeSshRoute(outcome.report.ssh) ?? describeSshSettings(ssh)} (host key known)`;
  return outcome.error.code.startsWith('ssh-') ? 'SSH step: failed' : `SSH step: passed (${describeSshSettings(ssh)}); the TLS/MySQL step failed`;
}
