import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { expandPath, type PathContext } from '../paths';
import type { ConnectionProfile, ConnectionSecrets } from '../profile';
import type { PlanInput, TlsPlan } from '../tls/tlsPlan';

export type PlanTls = (input: PlanInput) => Promise<TlsPlan>;

/** A plan is rebuilt at least this often (a client certificate can expire while the plan is cached). */
export const PLAN_MAX_AGE_MS = 3600_000;

const FILE_FIELDS = ['ca', 'cert', 'key', 'pfx'] as const;

async function fileStamp(value: string | undefined, paths: PathContext): Promise<string> {
  if (!value) return '-';
  try {
    const st = await fs.stat(expandPath(value, paths));
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'unreadable'; // planTls reports the real problem
  }
}

/** Identity, size and modification time of each file a profile names (one stat per file). */
export function fileStamps(profile: ConnectionProfile, paths: PathContext): Promise<string[]> {
  return Promise.all([...FILE_FIELDS.map((f) => fileStamp(profile.ssl?.[f], paths)), fileStamp(profile.serverPublicKey, paths)]);
}

/**
 * What a plan depends on: the profile, the files it names (identity, size, modification time) and the secrets
 * that unlock the key, as a hash (nothing secret is kept in the key). The password is not part of a plan.
 * `stamps` may be started earlier (fileStamps), e.g. while the secrets are read from the keychain.
 */
export async function planKey(
  profile: ConnectionProfile,
  secrets: ConnectionSecrets,
  paths: PathContext,
  stamps: Promise<string[]> = fileStamps(profile, paths),
): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ profile, paths: { w: paths.workspaceFolder, b: paths.baseDir }, stamps: await stamps }));
  hash.update('\0');
  hash.update(secrets.passphrase ?? '');
  hash.update('\0');
  hash.update(secrets.keyPem ?? '');
  return hash.digest('hex');
}

interface CachedPlan {
  key: string;
  plan: TlsPlan;
  madeAt: number;
}

/**
 * One TlsPlan per connection, reused while its inputs are unchanged. Reusing the plan reuses its driverSsl
 * object, which is what lets Node resume the TLS session on a reconnect, and pins the exact mode.
 */
export class TlsPlanCache {
  private readonly plans = new Map<string, CachedPlan>();
  /** Plans built (not served from the cache), for tests and the log. */
  built = 0;

  constructor(
    private readonly plan: PlanTls,
    private readonly now: () => number = Date.now,
  ) {}

  async get(
    connectionId: string,
    input: { profile: ConnectionProfile; secrets: ConnectionSecrets; paths: PathContext; stamps?: Promise<string[]> },
  ): Promise<TlsPlan> {
    const key = await planKey(input.profile, input.secrets, input.paths, input.stamps);
    const cached = this.plans.get(connectionId);
    if (cached && cached.key === key && this.now() - cached.madeAt < PLAN_MAX_AGE_MS) return cached.plan;
    const plan = await this.plan({ profile: input.profile, secrets: input.secrets, paths: input.paths });
    this.built++;
    this.plans.set(connectionId, { key, plan, madeAt: this.now() });
    return plan;
  }

  peek(connectionId: string): TlsPlan | undefined {
    return this.plans.get(connectionId)?.plan;
  }

  delete(connectionId: string): void {
    this.plans.delete(connectionId);
  }

  get size(): number {
    return this.plans.size;
  }
}
