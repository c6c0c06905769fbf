import type { AuthSettings } from '../cloudAuth/authSettings';

/**
 * How a connection logs in, in words for the tree tooltip and the TLS details: "login: AWS IAM token
 * (profile dev, eu-west-1)". Undefined for the ordinary stored-password login (nothing new to say). Names the
 * cloud identity settings only; a token is never shown.
 */
export function loginText(auth: AuthSettings | undefined): string | undefined {
  switch (auth?.method) {
    case undefined:
    case 'password':
      return undefined;
    case 'awsIam': {
      const parts = [auth.profile ? `profile ${auth.profile}` : 'default credentials', auth.region ?? 'region from the profile'];
      return `login: AWS IAM token (${parts.join(', ')})`;
    }
    case 'azureEntra': {
      const parts = [auth.tenantId ? `tenant ${auth.tenantId}` : undefined, auth.clientId ? `managed identity ${auth.clientId}` : undefined].filter(Boolean);
      return `login: Microsoft Entra ID token (${parts.length ? parts.join(', ') : 'default Azure credential'})`;
    }
    case 'gcpIam':
      return `login: Google Cloud IAM token (${auth.impersonate ? `impersonating ${auth.impersonate}` : 'Application Default Credentials'})`;
  }
}
