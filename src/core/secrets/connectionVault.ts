import type { PathContext } from '../paths';
import type { ConnectionProfile, ConnectionSecrets } from '../profile';
import { MysqlTlsError } from '../errors';
import { SECRET_KINDS, type SecretKind, type SecretStore } from './secretStore';
import { bindingOf, bindingsMatch, compareBinding, decodeBoundSecret, encodeBoundSecret, type BindingDifference, type SecretBinding } from './secretBinding';

/**
 * Secrets of connections, bound to what they were saved for, one namespace per settings scope.
 *
 * Accounts: a user connection's secrets live under `<id>/<kind>` (where every secret lived before scopes, so
 * they keep their place), a workspace connection's under `workspace:<id>/<kind>`. A workspace entry that
 * reuses a user connection's id therefore reads and writes its own namespace: "Move to Keychain" on it cannot
 * overwrite the user's secret, and the user's secret reaches it only through an explicit confirmation.
 *
 * Each value is an envelope with its SecretBinding. A value saved before bindings (a bare string) is used only
 * after one confirmation, which binds it (and, for a workspace connection, moves it to its namespace).
 */
export type SecretOwnerScope = 'user' | 'workspace' | 'workspaceFolder';

export interface SecretOwner {
  scope: SecretOwnerScope;
  /** The connection id as written in the settings. */
  id: string;
}

function bindingScope(scope: SecretOwnerScope): SecretBinding['scope'] {
  return scope === 'user' ? 'user' : 'workspace';
}

/** The secret-store id (the part before `/<kind>`) of an owner's namespace. */
export function vaultAccountId(owner: SecretOwner): string {
  return bindingScope(owner.scope) === 'user' ? owner.id : `workspace:${owner.id}`;
}

/** Where the secrets a connect would use came from, and why they need the user's word. */
export type SecretOrigin =
  /** Own namespace, bound, matching: used without asking. */
  | 'bound'
  /** Own namespace, bound to something else. */
  | 'mismatch'
  /** Saved before bindings existed (a bare value). */
  | 'unbound'
  /** A workspace connection that reuses the id of a user connection's secrets. */
  | 'otherScope';

export interface SecretResolution {
  owner: SecretOwner;
  /** Where the connect would send the secrets. */
  current: SecretBinding;
  origin: SecretOrigin | 'none';
  /** The binding the secrets were saved with (the first one found), when there is one. */
  stored?: SecretBinding;
  difference?: BindingDifference;
  /** The stored values (never shown, never logged). */
  secrets: ConnectionSecrets;
  kinds: SecretKind[];
  /** Per kind: the account id the value was read from. */
  from: Partial<Record<SecretKind, string>>;
}

export type SecretAnswer = 'sendOnce' | 'updateBinding' | 'cancel';

export class ConnectionVault {
  constructor(private readonly store: SecretStore) {}

  get description(): string {
    return this.store.description;
  }

  /**
   * Reads the owner's secrets of the `wanted` kinds and decides whether they may go to `current` without asking. `current`
   * may still be computing (the CA file's hash): the keychain reads run meanwhile.
   */
  async resolve(
    owner: SecretOwner,
    pendingBinding: SecretBinding | Promise<SecretBinding>,
    wanted: readonly SecretKind[] = SECRET_KINDS,
  ): Promise<SecretResolution> {
    const own = vaultAccountId(owner);
    const legacy = owner.id;
    const [ownValues, current] = await Promise.all([
      Promise.all(wanted.map(async (kind) => ({ kind, own: await this.store.get(own, kind), legacy: undefined as string | undefined }))),
      pendingBinding,
    ]);
    // A workspace connection looks under the user namespace (a pre-scope secret, or a user connection's with
    // the same id) only when it has nothing of its own: its own secrets are never mixed with someone else's.
    const values =
      own !== legacy && ownValues.every((v) => v.own === undefined)
        ? await Promise.all(wanted.map(async (kind) => ({ kind, own: undefined, legacy: await this.store.get(legacy, kind) })))
        : ownValues;
    const secrets: ConnectionSecrets = {};
    const kinds: SecretKind[] = [];
    const from: Partial<Record<SecretKind, string>> = {};
    let origin: SecretResolution['origin'] = 'none';
    let stored: SecretBinding | undefined;
    let difference: BindingDifference | undefined;
    const rank: Record<SecretOrigin, number> = { bound: 0, mismatch: 1, unbound: 2, otherScope: 3 };
    const note = (o: SecretOrigin, binding: SecretBinding | undefined): void => {
      if (origin === 'none' || rank[o] > rank[origin]) origin = o;
      if (binding && !stored) stored = binding;
    };
    for (const v of values) {
      const raw = v.own ?? v.legacy;
      if (raw === undefined) continue;
      const decoded = decodeBoundSecret(raw);
      secrets[v.kind] = decoded.value;
      kinds.push(v.kind);
      from[v.kind] = v.own !== undefined ? own : legacy;
      if (v.own === undefined) {
        // Read from the user namespace for a workspace connection: a bare value is a pre-scope secret that
        // this workspace connection may claim once confirmed; a bound one belongs to a user connection.
        note(decoded.binding ? 'otherScope' : 'unbound', decoded.binding);
        if (decoded.binding) difference ??= compareBinding(decoded.binding, current);
      } else if (!decoded.binding) note('unbound', undefined);
      else {
        const d = compareBinding(decoded.binding, current);
        if (bindingsMatch(d)) note('bound', decoded.binding);
        else {
          note('mismatch', decoded.binding);
          difference ??= d;
        }
      }
    }
    return { owner, current, origin, stored, difference, secrets, kinds, from };
  }

  /**
   * Carries out the user's answer. 'updateBinding' rebinds the secrets to `current` in the owner's own
   * namespace (a pre-scope value is moved there; a user connection's secret is copied, never moved, so the
   * user connection keeps its own). 'sendOnce' changes nothing stored. 'cancel' rejects.
   */
  async accept(resolution: SecretResolution, answer: SecretAnswer): Promise<ConnectionSecrets> {
    if (answer === 'cancel') throw new MysqlTlsError('cancelled', 'the stored secrets were not sent: the connection does not match what they were saved for');
    if (answer === 'updateBinding') {
      const own = vaultAccountId(resolution.owner);
      for (const kind of resolution.kinds) {
        const value = resolution.secrets[kind];
        if (value === undefined) continue;
        await this.store.set(own, kind, encodeBoundSecret(value, resolution.current));
        const source = resolution.from[kind];
        // A bare pre-scope value is moved (deleted only after the bound copy is stored); anything bound
        // under another namespace stays where it is.
        if (source !== undefined && source !== own && resolution.origin === 'unbound') await this.store.delete(source, kind);
      }
    }
    return resolution.secrets;
  }

  /** Stores a secret for `owner`, bound to `binding`. */
  async save(owner: SecretOwner, kind: SecretKind, value: string, binding: SecretBinding): Promise<void> {
    await this.store.set(vaultAccountId(owner), kind, encodeBoundSecret(value, binding));
  }

  /** Whether the owner has a secret of this kind in its own namespace (or a pre-scope one under its id). */
  async has(owner: SecretOwner, kind: SecretKind): Promise<boolean> {
    const own = await this.store.get(vaultAccountId(owner), kind);
    if (own !== undefined) return true;
    if (vaultAccountId(owner) === owner.id) return false;
    const legacy = await this.store.get(owner.id, kind);
    return legacy !== undefined && decodeBoundSecret(legacy).binding === undefined;
  }

  /** Removes one secret of the owner (its own namespace only). */
  async delete(owner: SecretOwner, kind: SecretKind): Promise<void> {
    await this.store.delete(vaultAccountId(owner), kind);
  }

  /** Removes the owner's secrets (its own namespace only: a workspace entry never deletes a user's secret). */
  async remove(owner: SecretOwner): Promise<void> {
    for (const kind of SECRET_KINDS) await this.store.delete(vaultAccountId(owner), kind);
  }

  /** Rebinds every secret in the owner's namespace (after an edit the user made through the wizard). */
  async rebind(owner: SecretOwner, binding: SecretBinding): Promise<void> {
    const own = vaultAccountId(owner);
    for (const kind of SECRET_KINDS) {
      const raw = await this.store.get(own, kind);
      if (raw !== undefined) await this.store.set(own, kind, encodeBoundSecret(decodeBoundSecret(raw).value, binding));
    }
  }

  /** Copies the owner's own secrets to another owner (Duplicate Connection), bound to `binding`. */
  async copy(from: SecretOwner, to: SecretOwner, binding: SecretBinding): Promise<void> {
    for (const kind of SECRET_KINDS) {
      const raw = await this.store.get(vaultAccountId(from), kind);
      if (raw !== undefined) await this.store.set(vaultAccountId(to), kind, encodeBoundSecret(decodeBoundSecret(raw).value, binding));
    }
  }
}

/** What the gate shows the user before stored secrets go somewhere they were not saved for. */
export interface SecretConfirmation {
  connectionName: string;
  resolution: SecretResolution;
}

export type SecretPurpose = 'connect' | 'reconnect' | 'test' | 'use';

/**
 * The kinds a connect of `profile` can use: the SSH secrets only with an SSH hop. A secret the connect cannot
 * use is not read out of the keychain (and not one more keychain round trip per connect).
 */
export function secretKindsUsedBy(profile: Pick<ConnectionProfile, 'ssh'>): readonly SecretKind[] {
  return profile.ssh ? SECRET_KINDS : SECRET_KINDS.filter((k) => k !== 'sshPassword' && k !== 'sshPassphrase');
}

export interface GatedConnection {
  scope: SecretOwnerScope;
  id: string;
  name: string;
  profile: ConnectionProfile;
}

/**
 * The one way stored secrets leave the vault for a connect: bound and matching, they go without a question;
 * otherwise `confirm` asks (a modal in VS Code) and nothing is read out until it answers. "Send once" holds
 * for reconnects of the same session (same binding), and a new connect asks again.
 */
export class SecretGate {
  private readonly approvedOnce = new Map<string, string>();

  constructor(
    readonly vault: ConnectionVault,
    private readonly confirm: (c: SecretConfirmation) => Promise<SecretAnswer>,
  ) {}

  async secretsFor(connection: GatedConnection, paths: PathContext | undefined, purpose: SecretPurpose): Promise<ConnectionSecrets> {
    const owner: SecretOwner = { scope: connection.scope, id: connection.id };
    const resolution = await this.vault.resolve(
      owner,
      bindingOf(connection.profile, bindingScope(connection.scope), paths),
      secretKindsUsedBy(connection.profile),
    );
    if (resolution.origin === 'none' || resolution.origin === 'bound') return resolution.secrets;
    const key = `${vaultAccountId(owner)}\n${JSON.stringify(resolution.current)}`;
    if (purpose === 'reconnect' && this.approvedOnce.get(vaultAccountId(owner)) === key) return resolution.secrets;
    const answer = await this.confirm({ connectionName: connection.name, resolution });
    const secrets = await this.vault.accept(resolution, answer);
    if (answer === 'sendOnce') this.approvedOnce.set(vaultAccountId(owner), key);
    else this.approvedOnce.delete(vaultAccountId(owner));
    return secrets;
  }

  /** Stores a secret the user just entered for this connection, bound to what the connection is now. */
  async save(connection: GatedConnection, kind: SecretKind, value: string, paths: PathContext | undefined): Promise<void> {
    const binding = await bindingOf(connection.profile, bindingScope(connection.scope), paths);
    await this.vault.save({ scope: connection.scope, id: connection.id }, kind, value, binding);
  }

  /** Copies a connection's own secrets to a new connection (Duplicate Connection), bound to the copy. */
  async copy(from: SecretOwner, to: GatedConnection, paths: PathContext | undefined): Promise<void> {
    await this.vault.copy(from, { scope: to.scope, id: to.id }, await bindingOf(to.profile, bindingScope(to.scope), paths));
  }

  /** Rebinds a connection's secrets to its current settings (the user edited it through the wizard). */
  async rebind(connection: GatedConnection, paths: PathContext | undefined): Promise<void> {
    await this.vault.rebind({ scope: connection.scope, id: connection.id }, await bindingOf(connection.profile, bindingScope(connection.scope), paths));
  }
}
