import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { CloudToken, TokenRequest } from './tokenSource';

/** RDS IAM tokens are presigned for 15 minutes (X-Amz-Expires=900). */
export const AWS_TOKEN_VALIDITY_S = 900;

type SignerModule = typeof import('@aws-sdk/rds-signer');

/**
 * An RDS IAM authentication token: a SigV4-presigned `connect` request for host:port and the database user,
 * signed with credentials from the AWS chain (environment, the named profile of the shared files, SSO, process,
 * container and instance roles; @aws-sdk/credential-providers' fromNodeProviderChain inside the signer), or
 * with `credentials` when a test supplies them. The region is auth.region, else the profile's or environment's.
 */
export async function token(request: TokenRequest, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider): Promise<CloudToken> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Signer } = require('@aws-sdk/rds-signer') as SignerModule;
  const signer = new Signer({
    hostname: request.host,
    port: request.port,
    username: request.user,
    region: request.auth.region,
    profile: request.auth.profile,
    credentials,
  });
  const signedAt = Date.now();
  const value = await signer.getAuthToken();
  return { token: value, expiresAt: new Date(signedAt + AWS_TOKEN_VALIDITY_S * 1000) };
}
