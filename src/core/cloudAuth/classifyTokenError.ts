import { isMysqlTlsError, MysqlTlsError } from '../errors';
import type { TokenAuthMethod } from './authSettings';

/** The words of a credential library's error, bounded, on one line; never a token (errors carry none). */
function wordsOf(e: unknown): { name: string; text: string } {
  const err = e as { name?: unknown; message?: unknown; code?: unknown };
  const name = typeof err?.name === 'string' ? err.name : '';
  const message = typeof err?.message === 'string' ? err.message : String(e);
  const code = typeof err?.code === 'string' ? ` (${err.code})` : '';
  return { name, text: `${message}${code}`.replace(/\s+/g, ' ').slice(0, 400) };
}

/**
 * A failed token fetch as a cause with its fix: no credentials, an expired AWS SSO session, an Azure CLI
 * login needed, a missing region. The SDKs' messages are matched by their documented error names and words.
 */
export function classifyTokenError(request: { method: TokenAuthMethod; auth: { profile?: string } }, e: unknown): MysqlTlsError {
  if (isMysqlTlsError(e)) return e;
  const { name, text } = wordsOf(e);
  const detail = `${name ? `${name}: ` : ''}${text}`;
  const lower = text.toLowerCase();
  if (request.method === 'awsIam') {
    const profile = request.auth.profile;
    const login = `aws sso login${profile ? ` --profile ${profile}` : ''}`;
    if (/region is missing|missing region|region.*not.*(set|found|defined)/i.test(text)) {
      return new MysqlTlsError(
        'cloud-region-missing',
        detail,
        'auth.region',
        `Set auth.region to the database's region (e.g. eu-west-1), or set region in ${profile ? `profile ${profile} of ` : ''}~/.aws/config or AWS_REGION.`,
      );
    }
    if (/sso/i.test(text) && /(expired|refresh|token|session)/i.test(text)) {
      return new MysqlTlsError('cloud-sso-expired', detail, undefined, `The AWS SSO session has expired: run \`${login}\` in a terminal, then connect again.`);
    }
    if (name === 'CredentialsProviderError' || /could not load credentials|credential.*not found|unable to (load|find) credentials/i.test(text)) {
      return new MysqlTlsError(
        'cloud-credentials-missing',
        detail,
        profile ? 'auth.profile' : undefined,
        profile
          ? `Profile "${profile}" gives no credentials: check ~/.aws/config and ~/.aws/credentials, or run \`${login}\` for an SSO profile.`
          : 'No AWS credentials were found: set auth.profile to a profile of ~/.aws/config, run `aws configure` or `aws sso login`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.',
      );
    }
  }
  if (request.method === 'azureEntra') {
    if (/az login|please run 'az login'|azure cli.*not|not logged in|AADSTS700082|AADSTS50173|refresh token has expired/i.test(text)) {
      return new MysqlTlsError(
        'cloud-login-needed',
        detail,
        undefined,
        'Sign in to Azure: run `az login` (add --tenant for auth.tenantId) in a terminal, then connect again.',
      );
    }
    if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError') {
      return new MysqlTlsError(
        'cloud-credentials-missing',
        detail,
        undefined,
        'No Microsoft Entra ID credential was found: run `az login` (or `azd auth login`), set AZURE_TENANT_ID/AZURE_CLIENT_ID with a secret or certificate, or run where a managed identity is assigned (auth.clientId for a user-assigned one).',
      );
    }
  }
  if (request.method === 'gcpIam') {
    if (/could not load the default credentials|default credentials/i.test(text)) {
      return new MysqlTlsError(
        'cloud-credentials-missing',
        detail,
        undefined,
        'No Google Application Default Credentials were found: run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS.',
      );
    }
    if (/invalid_grant|reauth|invalid_rapt|token has been expired or revoked/i.test(lower)) {
      return new MysqlTlsError(
        'cloud-login-needed',
        detail,
        undefined,
        'The Google sign-in has expired: run `gcloud auth application-default login`, then connect again.',
      );
    }
  }
  return new MysqlTlsError('cloud-token-failed', detail);
}

/** The database side of a refused token login, in each provider's own terms. */
export const TOKEN_LOGIN_DENIED_FIX: Record<TokenAuthMethod, string> = {
  awsIam:
    "The database user must be set up for IAM: CREATE USER 'name' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'; (MariaDB: IDENTIFIED VIA AWSAuthenticationPlugin), the instance must have IAM database authentication enabled, and your IAM identity needs rds-db:connect on arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<name>. Check auth.region too: a token signed for another region is refused.",
  azureEntra:
    "The server needs Microsoft Entra authentication enabled with an Entra admin, and the database user must be a Microsoft Entra user created by that admin (CREATE AADUSER '<user, group or app name>'; such users log in with the aad_auth plugin); the connection's user must be that name exactly. The token's tenant (auth.tenantId) must be the server's tenant.",
  gcpIam:
    'The instance needs the cloudsql_iam_authentication flag on, the IAM principal must be added as a database user (gcloud sql users create <email> --instance=<instance> --type=cloud_iam_user; a service account without .gserviceaccount.com in the user name) and have roles/cloudsql.instanceUser.',
};
