import type { AuthSettings } from './cloudAuth/authSettings';
import type { SslMode, TlsVersion } from './tls/sslMode';

/** Where the CA that verifies the server comes from. */
export type CaSource = 'file' | 'system';

/** Non-secret TLS settings of a connection: what lives in settings JSON. */
export interface SslSettings {
  mode?: SslMode;
  /** CA certificate file or bundle (PEM). */
  ca?: string;
  /** 'system' verifies against the public roots Node ships instead of a CA file. */
  caSource?: CaSource;
  /** Client certificate (PEM). Sent only together with `key`. */
  cert?: string;
  /** Client private key (PEM, optionally encrypted; the passphrase is a secret). */
  key?: string;
  /** Client certificate and key as one PKCS#12 file (.p12/.pfx). */
  pfx?: string;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** OpenSSL cipher list (TLS 1.2 and below). */
  ciphers?: string;
  /** The DNS name to verify instead of `host` (VERIFY_IDENTITY), also sent as SNI. */
  servername?: string;
  /** The cloud preset these settings came from (src/core/cloud/presets.ts); informational. */
  caPreset?: string;
}

/** What the connection talks to: a MySQL-protocol database (default) or a ProxySQL admin interface. */
export type ConnectionKind = 'mysql' | 'proxysqlAdmin';
export const CONNECTION_KINDS: readonly ConnectionKind[] = ['mysql', 'proxysqlAdmin'];
/** ProxySQL's admin interface listens on 6032 by default. */
export const PROXYSQL_ADMIN_PORT = 6032;

export interface ConnectionProfile {
  kind?: ConnectionKind;
  /** Stable id: secrets are keyed by it, not by the display name. */
  id?: string;
  name?: string;
  host: string;
  port?: number;
  user: string;
  database?: string;
  ssl?: SslSettings;
  /** Milliseconds for the TCP + TLS + login exchange, 1 to 2^31-1 (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * The server's RSA public key (PEM file, like MySQL's --server-public-key-path). caching_sha2_password and
   * sha256_password then encrypt the password to this key on a connection without TLS, without asking the server.
   */
  serverPublicKey?: string;
  /**
   * Lets caching_sha2_password / sha256_password ask the server for its RSA key on a connection without TLS (like
   * --get-server-public-key). Off by default: anyone on the path can answer with their own key and read the password.
   */
  getServerPublicKey?: boolean;
  /** Query editors refuse statements that write and run inside READ ONLY transactions. */
  readOnly?: boolean;
  /** How the user logs in: a stored password (default) or a cloud identity token (src/core/cloudAuth). */
  auth?: AuthSettings;
  /** Reach the database through an SSH bastion (src/core/ssh): `host`/`port` are then as the bastion sees them. */
  ssh?: SshSettings;
}

/** How an SSH hop authenticates: the agent (SSH_AUTH_SOCK, default), a private key file, or a password (keychain). */
export type SshAuth = 'agent' | 'key' | 'password';
export const SSH_AUTH_METHODS: readonly SshAuth[] = ['agent', 'key', 'password'];
export const DEFAULT_SSH_PORT = 22;

/** One SSH hop (a jump host has the same fields). */
export interface SshHopSettings {
  host: string;
  port?: number;
  user: string;
  auth?: SshAuth;
  /** For auth "key": the private key (OpenSSH/PEM); its passphrase is the secret "sshPassphrase". */
  keyFile?: string;
}

/** The `ssh` block of a connection. */
export interface SshSettings extends SshHopSettings {
  /** Extra known_hosts file read with ~/.ssh/known_hosts (default); honoured from user settings only. */
  knownHosts?: string;
  /** One ProxyJump host, reached first; the bastion is then reached through it. */
  jump?: SshHopSettings;
  /** SSH keepalive interval in seconds (default 15; 0 turns it off). */
  keepaliveSeconds?: number;
}

/** Secret material: never in settings, logs or state files. */
export interface ConnectionSecrets {
  password?: string;
  /** Passphrase of an encrypted private key or PKCS#12 file. */
  passphrase?: string;
  /** The client private key PEM itself, when the user keeps it in the keychain instead of a file. */
  keyPem?: string;
  /** The SSH password (ssh.auth "password"). */
  sshPassword?: string;
  /** The passphrase of ssh.keyFile (and of ssh.jump.keyFile: one passphrase per connection). */
  sshPassphrase?: string;
}

export const DEFAULT_PORT = 3306;

/** Node timers hold a signed 32-bit delay: a timeout above 2^31-1 ms fires at once, so every timeout is bounded by it. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
