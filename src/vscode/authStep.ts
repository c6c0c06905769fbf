import * as vscode from 'vscode';
import { parseAuthSettings, tokenModeAllowed, TOKEN_NEEDS_VERIFIED_TLS, type AuthMethod, type AuthSettings } from '../core/cloudAuth/authSettings';
import { CLOUD_PRESETS, isCloudPresetId } from '../core/cloud/presets';
import type { SslMode } from '../core/tls/sslMode';

export interface AuthStepOptions {
  /** The step's title (the wizard's "Add Connection (n/N)"). */
  title: string;
  initial?: AuthSettings;
  /** The mode chosen in the TLS step: token methods need VERIFY_CA or VERIFY_IDENTITY. */
  mode: SslMode;
  /** ssl.caPreset: the preset's own login method is offered first. */
  caPreset?: string;
}

const METHOD_ITEMS: Record<AuthMethod, { label: string; detail: string }> = {
  password: { label: 'Password', detail: 'A password kept in the keychain (asked next).' },
  awsIam: {
    label: 'AWS IAM database authentication',
    detail: 'A 15-minute token signed with your AWS credentials (profile, SSO, environment, instance role) for each connect. Amazon RDS / Aurora.',
  },
  azureEntra: {
    label: 'Microsoft Entra ID',
    detail: 'An Entra ID access token (az login, managed identity, environment) for each connect. Azure Database for MySQL.',
  },
  gcpIam: {
    label: 'Google Cloud IAM database authentication',
    detail: 'An OAuth2 access token from Application Default Credentials (gcloud auth application-default login) for each connect. Cloud SQL.',
  },
};

/**
 * The "Authentication" step of Add/Edit Connection: password (default) or a cloud identity token, then that
 * method's fields, each validated as the settings are. Undefined when the user presses Escape.
 */
export async function authStep(options: AuthStepOptions): Promise<AuthSettings | undefined> {
  const current = options.initial?.method ?? 'password';
  const presetMethod = options.caPreset && isCloudPresetId(options.caPreset) ? CLOUD_PRESETS[options.caPreset].login?.method : undefined;
  const first = options.initial ? current : (presetMethod ?? 'password');
  const verified = tokenModeAllowed(options.mode);
  const items = (Object.keys(METHOD_ITEMS) as AuthMethod[])
    .sort((a, b) => Number(b === first) - Number(a === first))
    .map((method) => ({
      method,
      label: METHOD_ITEMS[method].label,
      description:
        method !== 'password' && !verified
          ? `needs VERIFY_CA or VERIFY_IDENTITY (this connection: ${options.mode})`
          : method === current && options.initial
            ? 'current'
            : method === presetMethod
              ? 'offered by the cloud preset'
              : undefined,
      detail: METHOD_ITEMS[method].detail,
    }));
  for (;;) {
    const pick = await vscode.window.showQuickPick(items, {
      title: options.title,
      placeHolder: 'Authentication: how this connection logs in',
      ignoreFocusOut: true,
    });
    if (!pick) return undefined;
    if (pick.method === 'password') return { method: 'password' };
    if (!verified) {
      await vscode.window.showWarningMessage(
        `${pick.label} needs ssl.mode VERIFY_IDENTITY or VERIFY_CA: ${TOKEN_NEEDS_VERIFIED_TLS}. Go back and choose a verifying mode, or use a password.`,
        { modal: true },
      );
      continue;
    }
    const fields = await tokenFields(pick.method, options);
    if (fields) return fields;
  }
}

async function ask(
  title: string,
  prompt: string,
  value: string | undefined,
  method: AuthMethod,
  field: keyof AuthSettings,
  placeHolder: string,
): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt,
    placeHolder,
    value: value ?? '',
    ignoreFocusOut: true,
    validateInput: (v) => parseAuthSettings({ method, [field]: v.trim() }, 'VERIFY_IDENTITY').errors[0]?.message,
  });
}

async function tokenFields(method: Exclude<AuthMethod, 'password'>, options: AuthStepOptions): Promise<AuthSettings | undefined> {
  const same = options.initial?.method === method ? options.initial : undefined;
  const out: AuthSettings = { method };
  const set = (field: 'region' | 'profile' | 'tenantId' | 'clientId' | 'impersonate', v: string | undefined): boolean => {
    if (v === undefined) return false;
    if (v.trim()) out[field] = v.trim();
    return true;
  };
  const t = options.title;
  if (method === 'awsIam') {
    if (!set('region', await ask(t, "The database's AWS region (empty: the profile's or AWS_REGION)", same?.region, method, 'region', 'eu-west-1')))
      return undefined;
    if (!set('profile', await ask(t, 'AWS profile (optional: empty for the default credential chain)', same?.profile, method, 'profile', 'default')))
      return undefined;
  } else if (method === 'azureEntra') {
    if (!set('tenantId', await ask(t, 'Microsoft Entra tenant (optional)', same?.tenantId, method, 'tenantId', 'contoso.onmicrosoft.com or tenant GUID')))
      return undefined;
    if (!set('clientId', await ask(t, 'Client id of a user-assigned managed identity (optional)', same?.clientId, method, 'clientId', 'GUID')))
      return undefined;
  } else {
    if (
      !set(
        'impersonate',
        await ask(t, 'Service account to impersonate (optional)', same?.impersonate, method, 'impersonate', 'sa@project.iam.gserviceaccount.com'),
      )
    )
      return undefined;
  }
  return out;
}
