import { fixActionFor, type FixAction } from './fixActions';

/**
 * Every failure the engine reports carries a cause code, plain words and the fix. The catalogue is one
 * table so the CLI, the VS Code layer and the tests speak the same language. Messages never include
 * secret material: callers pass only names, paths, hosts and driver messages.
 */
export const CAUSES = {
  'config-invalid': { title: 'The connection settings are not valid', fix: 'Correct the named setting.' },
  'config-missing-ca': {
    title: 'This mode verifies the server but no CA is configured',
    fix: 'Set ssl.ca to the CA certificate (or bundle) that signed the server certificate, or set ssl.caSource to "system" for a publicly trusted server.',
  },
  'config-incomplete-client-cert': {
    title: 'A client certificate needs both a certificate and its key',
    fix: 'Set both ssl.cert and ssl.key (or ssl.pfx for a PKCS#12 bundle).',
  },
  'file-missing': { title: 'A file named in the settings does not exist', fix: 'Check the path; ${workspaceFolder}, ~ and ${env:NAME} are expanded.' },
  'file-unreadable': { title: 'A file named in the settings cannot be read', fix: 'Check the file permissions for the user running VS Code.' },
  'file-empty': { title: 'A file named in the settings is empty', fix: 'Point the setting at the real certificate or key file.' },
  'file-der-not-pem': {
    title: 'The file is binary DER, but PEM text is expected',
    fix: 'Convert it to PEM (openssl x509 -inform der -in FILE -out FILE.pem) or import it with "MySQL TLS: Import CA Bundle".',
  },
  'file-garbage': {
    title: 'The file does not contain what the setting expects',
    fix: 'Point the setting at a PEM file with the right kind of block (CERTIFICATE or PRIVATE KEY).',
  },
  'file-wrong-kind': {
    title: 'The file holds a different kind of PEM block than the setting expects',
    fix: 'Swap the paths: ssl.cert takes a CERTIFICATE, ssl.key a PRIVATE KEY.',
  },
  'key-needs-passphrase': {
    title: 'The private key is encrypted and no passphrase is stored',
    fix: 'Store the key passphrase for this connection (it is kept in the OS keychain).',
  },
  'key-wrong-passphrase': { title: 'The key passphrase is wrong', fix: 'Store the correct passphrase for this connection.' },
  'key-cert-mismatch': {
    title: 'The private key does not belong to the client certificate',
    fix: 'Use the key that was generated together with the certificate in ssl.cert.',
  },
  'client-cert-expired': { title: 'The client certificate has expired', fix: 'Issue a new client certificate from the CA the server trusts.' },
  'client-cert-not-yet-valid': { title: 'The client certificate is not valid yet', fix: 'Check the clock, or wait until the certificate start date.' },
  'server-no-tls': {
    title: 'The server does not offer TLS',
    fix: 'Enable TLS on the server (ssl_ca/ssl_cert/ssl_key in [mysqld]) or, if plaintext is acceptable on this network, choose PREFERRED or DISABLED.',
  },
  'tls-ca-mismatch': {
    title: 'The server certificate was not signed by the configured CA',
    fix: "Set ssl.ca to the CA that issued the server certificate (for a cloud database, the provider's CA bundle). If the server certificate changed unexpectedly, find out why before connecting.",
  },
  'tls-self-signed-no-ca': {
    title: 'The server certificate is self-signed or from a private CA, and no CA is configured to trust it',
    fix: "Set ssl.ca to the server's CA certificate.",
  },
  'tls-hostname-mismatch': {
    title: 'The server certificate does not name this host',
    fix: 'Connect with a host name the certificate lists (see its SANs), set ssl.servername to the name in the certificate, or reissue the certificate with this host in subjectAltName. VERIFY_CA skips this check.',
  },
  'tls-cert-expired': {
    title: 'The server certificate has expired',
    fix: 'Renew the server certificate and reload it (FLUSH SSL on MariaDB, ALTER INSTANCE RELOAD TLS on MySQL 8).',
  },
  'tls-cert-not-yet-valid': {
    title: 'The server certificate is not valid yet',
    fix: 'Check the clocks of client and server, or wait until the certificate start date.',
  },
  'tls-protocol-mismatch': {
    title: 'Client and server share no TLS protocol version',
    fix: "Widen ssl.minVersion/ssl.maxVersion or the server's tls_version so they overlap (TLSv1.2 and TLSv1.3 are current).",
  },
  'tls-cipher-mismatch': { title: 'Client and server share no cipher', fix: "Remove or widen ssl.ciphers, or adjust the server's ssl_cipher." },
  'tls-legacy-server': {
    title: 'The server speaks only TLS 1.0/1.1 with legacy ciphers and signatures, which this client refuses',
    fix: 'This is a MySQL 5.7 community build up to 5.7.27 or MySQL 5.6 compiled with yaSSL (or a server configured like one). Upgrade the server to 5.7.28 or later (built with OpenSSL: TLS 1.2 and 1.3), or better to 8.0/8.4. Until then, an explicit insecure override connects: ssl.minVersion "TLSv1" and ssl.ciphers "DEFAULT@SECLEVEL=0"; the session is then labelled as using an insecure legacy override, and TLS 1.0/1.1 with SHA-1 does not protect it against a capable attacker.',
  },
  'tls-handshake-failed': {
    title: 'The TLS handshake failed',
    fix: "Check the server's TLS configuration and the error log; the detail below is what the TLS layer said.",
  },
  'tls-client-cert-rejected': {
    title: 'The server rejected the client certificate',
    fix: 'Use a client certificate issued by the CA the server trusts (its ssl_ca).',
  },
  'account-requires-tls': {
    title: 'Access denied on a plaintext connection',
    fix: 'Either the password is wrong, or the account requires TLS (REQUIRE SSL/X509) or the server enforces require_secure_transport. Use a TLS mode (VERIFY_IDENTITY is best) and check the password.',
  },
  'account-requires-x509': {
    title: 'Access denied: wrong password, or the account needs a client certificate',
    fix: "Either the password is wrong, or the account requires a client certificate (REQUIRE X509/ISSUER/SUBJECT). Set ssl.cert and ssl.key to a certificate the server's CA issued, and check the password.",
  },
  'server-requires-tls': {
    title: 'The server requires secure transport',
    fix: 'The server has require_secure_transport=ON. Use a TLS mode (VERIFY_IDENTITY is best).',
  },
  'access-denied': {
    title: 'Access denied: wrong user name or password',
    fix: 'Set the right password for this connection (Set Password) and check the user name. If the account has REQUIRE ISSUER/SUBJECT, the client certificate must match them exactly.',
  },
  'auth-plugin-not-loaded': {
    title: "The account's authentication plugin is not loaded on the server",
    fix: "MySQL 8.4 no longer loads mysql_native_password by default and 9.0 removed it. Move the account to caching_sha2_password: ALTER USER 'user'@'host' IDENTIFIED WITH caching_sha2_password BY 'new password'; then connect over TLS (VERIFY_IDENTITY is best), which its first login needs (or pin the server's RSA key with serverPublicKey). Re-enabling mysql_native_password is not a fix: it is deprecated and gone in 9.x.",
  },
  'account-locked': {
    title: 'The account is locked',
    fix: "An administrator locked it (ACCOUNT LOCK). Ask them to run ALTER USER 'user'@'host' ACCOUNT UNLOCK, or use another account. Retrying does not help.",
  },
  'account-blocked-failed-logins': {
    title: 'The account is temporarily blocked after too many failed logins',
    fix: "The account has FAILED_LOGIN_ATTEMPTS and PASSWORD_LOCK_TIME: wait until the lock time has passed, or ask an administrator to run ALTER USER 'user'@'host' ACCOUNT UNLOCK. Check the stored password first: each wrong attempt counts towards the next lock.",
  },
  'password-expired': {
    title: "The account's password has expired",
    fix: "Set a new password with a client that supports expired passwords (mysql --connect-expired-password, then ALTER USER USER() IDENTIFIED BY 'new password'), or ask an administrator to reset it; then store the new password for this connection.",
  },
  'server-offline': {
    title: 'The server is in offline mode',
    fix: 'An administrator set offline_mode=ON (maintenance): only accounts with CONNECTION_ADMIN (or SUPER) can log in. Try again when the maintenance is over, or ask the administrator.',
  },
  'too-many-connections': {
    title: 'The server has too many connections',
    fix: 'The server reached max_connections. Close idle connections (other tools, connection pools) or ask the administrator to raise max_connections; MySQL keeps one more connection for accounts with CONNECTION_ADMIN.',
  },
  'auth-plugin-unsupported': {
    title: 'The account uses an authentication plugin this client cannot speak',
    fix: 'Change the account to a plugin this client speaks: caching_sha2_password on MySQL 8.0 and later (recommended), ed25519 or mysql_native_password on MariaDB, mysql_native_password on MySQL 5.7.',
  },
  'auth-needs-tls': {
    title: 'The server asked for the full password on a connection that is not encrypted',
    fix: "Nothing derived from the password was sent: anyone on the path can fake that request and read the answer. Use TLS (ssl.mode REQUIRED or better; VERIFY_IDENTITY is best), or pin the server's RSA public key with serverPublicKey (a PEM file, like --server-public-key-path), or, knowing that a machine in the middle can then read the password, set getServerPublicKey to true (like --get-server-public-key).",
  },
  'clear-password-needs-tls': {
    title: 'The server asked for the password in cleartext (mysql_clear_password) on a connection that is not encrypted',
    fix: 'Nothing was sent. Cleartext logins (PAM, LDAP, cloud IAM tokens) go out only inside TLS: use ssl.mode VERIFY_IDENTITY (or VERIFY_CA; REQUIRED at least). If the server offers no TLS, enable it there first.',
  },
  'token-needs-verified-tls': {
    title: 'A cloud token login needs TLS that verifies the server',
    fix: "Set ssl.mode to VERIFY_IDENTITY (or VERIFY_CA) with the provider's CA (the cloud presets set both). Nothing was sent: a token is a cleartext password valid for every server of the cloud account until it expires.",
  },
  'cloud-credentials-missing': {
    title: 'No cloud credentials were found for the token login',
    fix: "Sign in with the cloud's own tool (aws sso login / aws configure, az login, gcloud auth application-default login), then connect again.",
  },
  'cloud-sso-expired': {
    title: 'The AWS SSO session has expired',
    fix: 'Run `aws sso login` (with --profile for auth.profile) in a terminal, then connect again.',
  },
  'cloud-login-needed': {
    title: 'The cloud sign-in is missing or has expired',
    fix: 'Run `az login` (Azure) or `gcloud auth application-default login` (Google Cloud), then connect again.',
  },
  'cloud-region-missing': {
    title: 'The AWS region of the database is not known',
    fix: 'Set auth.region (e.g. eu-west-1), or region in the AWS profile, or AWS_REGION.',
  },
  'cloud-token-failed': { title: 'The cloud login token could not be obtained', fix: 'See the detail below; check the cloud sign-in and the auth settings.' },
  'token-login-denied': {
    title: 'Access denied to the cloud token login',
    fix: 'The database user must be set up for IAM logins (AWSAuthenticationPlugin on RDS, a Microsoft Entra user (aad_auth) on Azure, an IAM user on Cloud SQL), and the token must be for that user, host and region.',
  },
  'host-unreachable': { title: 'The server cannot be reached', fix: 'Check host and port, that the server is running and listening on TCP, and firewalls.' },
  'host-not-found': { title: 'The host name does not resolve', fix: 'Check the host name.' },
  'connect-timeout': { title: 'The connection timed out', fix: 'Check that the host and port are right and reachable; raise connectTimeoutMs on slow links.' },
  'connection-lost': {
    title: 'The connection was closed unexpectedly',
    fix: "Check the server's error log; something (server, proxy or network) dropped the connection.",
  },
  'protocol-error': {
    title: 'The server did not speak the MySQL protocol as expected',
    fix: 'Check that host and port point at a MySQL-compatible server and not at another service.',
  },
  'file-exists': {
    title: 'A file would be overwritten',
    fix: 'Choose an empty output folder, move the existing files away, or allow overwriting explicitly.',
  },
  'file-format-unsupported': {
    title: 'The file is in a format this extension cannot read',
    fix: 'Convert it to PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.p12/.pfx).',
  },
  'file-too-costly': {
    title: 'The file would take too long to open',
    fix: 'Use a file made with standard settings: key containers with the usual iteration counts (OpenSSL uses 2,048), bundles with the CA certificates that are needed.',
  },
  'file-unsafe': {
    title: 'A file to be replaced is not a plain file of yours',
    fix: 'Remove it or choose another folder: symbolic links, special files and files owned by another user are never written through.',
  },
  'certificate-names-clash': {
    title: 'The CA, server and client certificates need different common names',
    fix: 'Give the CA, the server and the client certificate distinct CNs: identical CNs make MySQL treat a certificate as self-signed and verification fails.',
  },
  'workspace-untrusted': {
    title: 'This connection comes from an untrusted workspace',
    fix: 'The workspace is in Restricted Mode, so its connections are listed but do not connect or read files. Trust the workspace (Manage Workspace Trust) if you know its settings, or add the connection to your user settings.',
  },
  'ssh-host-key-unknown': {
    title: 'The SSH host key is not known',
    fix: 'Check the fingerprint with the administrator of the SSH host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on it), then accept it when asked (the probe CLI: --ssh-accept-new), or add it to ~/.ssh/known_hosts yourself (ssh once with OpenSSH).',
  },
  'ssh-host-key-changed': {
    title: 'REMOTE HOST IDENTIFICATION HAS CHANGED: the SSH host key differs from the one recorded',
    fix: 'Someone could be intercepting the connection (man-in-the-middle), or the host key was just replaced. Nothing was sent. Ask the administrator of the SSH host for its new fingerprint; only if it matches, remove the old line (ssh-keygen -R host, and from the extension known_hosts file named below) and connect again.',
  },
  'ssh-host-key-revoked': {
    title: 'The SSH host key is marked @revoked in known_hosts',
    fix: 'The key was revoked on purpose: do not connect to this host until its administrator has installed a new host key.',
  },
  'ssh-auth-failed': {
    title: 'SSH authentication failed',
    fix: 'Check the SSH user, and that its authorized_keys on the SSH host lists your public key (auth "key" or "agent": ssh-add -l shows the agent\'s keys), or store the right SSH password (auth "password").',
  },
  'ssh-unreachable': {
    title: 'The SSH host cannot be reached',
    fix: 'Check ssh.host and ssh.port (and ssh.jump), that sshd runs there, and firewalls or VPN between you and it.',
  },
  'ssh-forward-refused': {
    title: 'The SSH host refused to forward the connection to the database',
    fix: 'From the SSH host, host and port must reach the database (use the name the SSH host resolves, e.g. db.internal). The SSH host may forbid forwarding: its sshd_config needs AllowTcpForwarding yes (and PermitOpen listing the database).',
  },
  'ssh-agent-unavailable': {
    title: 'No SSH agent is running for this session',
    fix: 'Start an agent and add your key (eval "$(ssh-agent)"; ssh-add), so SSH_AUTH_SOCK names a live socket for VS Code, or use ssh.auth "key" with ssh.keyFile.',
  },
  'ssh-key-passphrase': {
    title: 'The SSH private key is encrypted and the stored passphrase is missing or wrong',
    fix: 'Store the SSH key passphrase for this connection with "Set SSH Key Passphrase or Password" (it is kept in the OS keychain; the probe CLI reads MYSQL_TLS_SSH_PASSPHRASE).',
  },
  'ssh-key-invalid': {
    title: 'The SSH private key file cannot be used',
    fix: 'Point ssh.keyFile at a private key in OpenSSH or PEM format (the file without .pub), e.g. ~/.ssh/id_ed25519.',
  },
  'ssh-tunnel-lost': {
    title: 'The SSH connection carrying the session was lost',
    fix: 'The SSH host or the network dropped the tunnel; it is reopened by itself. If it keeps dropping, check the SSH host and ssh.keepaliveSeconds.',
  },
  cancelled: { title: 'Cancelled', fix: 'Start the operation again when ready.' },
  unknown: { title: 'The connection failed', fix: 'See the detail below.' },
} as const satisfies Record<string, { title: string; fix: string }>;

export type Cause = keyof typeof CAUSES;

export class MysqlTlsError extends Error {
  override readonly name = 'MysqlTlsError';
  readonly title: string;
  readonly fix: string;
  constructor(
    readonly cause_: Cause,
    /** What happened in this instance: paths, hosts, driver words. Never secrets. */
    readonly detail: string,
    readonly field?: string,
    fix?: string,
  ) {
    super(`${CAUSES[cause_].title}${field ? ` (${field})` : ''}: ${detail}`);
    this.title = CAUSES[cause_].title;
    this.fix = fix ?? CAUSES[cause_].fix;
  }

  get code(): Cause {
    return this.cause_;
  }

  /** The command that fixes this failure (the notification's button), if one can. */
  get fixAction(): FixAction | undefined {
    return fixActionFor(this);
  }

  /** Message + fix, the way the CLI and notifications show it. */
  explain(): string {
    return `${this.message}\nFix: ${this.fix}`;
  }

  toJSON(): { cause: Cause; title: string; detail: string; field?: string; fix: string } {
    return { cause: this.cause_, title: this.title, detail: this.detail, field: this.field, fix: this.fix };
  }
}

export function isMysqlTlsError(e: unknown): e is MysqlTlsError {
  return e instanceof MysqlTlsError;
}
