import type { TokenCredential } from '@azure/core-auth';
import type { CloudToken, TokenRequest } from './tokenSource';

/** The one scope Azure Database for MySQL accepts Entra ID access tokens for. */
export const AZURE_MYSQL_SCOPE = 'https://ossrdbms-aad.database.windows.net/.default';

type IdentityModule = typeof import('@azure/identity');

/**
 * An Entra ID access token for Azure Database for MySQL from DefaultAzureCredential (environment, workload
 * identity, managed identity (auth.clientId for a user-assigned one), Azure CLI, Azure Developer CLI,
 * Azure PowerShell), or from `credential` when a test supplies one.
 */
export async function token(request: TokenRequest, credential?: TokenCredential): Promise<CloudToken> {
  let source = credential;
  if (!source) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DefaultAzureCredential } = require('@azure/identity') as IdentityModule;
    source = new DefaultAzureCredential({ tenantId: request.auth.tenantId, managedIdentityClientId: request.auth.clientId });
  }
  const got = await source.getToken(AZURE_MYSQL_SCOPE, { abortSignal: request.signal, tenantId: request.auth.tenantId });
  if (!got) throw new Error('the Azure credential returned no token');
  return { token: got.token, expiresAt: new Date(got.expiresOnTimestamp) };
}
