import type { TokenSource } from '../core/cloudAuth/tokenSource';

/** The environment variable of the e2e test seam (see e2eTokenSource). */
export const E2E_TOKEN_FILE_ENV = 'MYSQL_TLS_E2E_TOKEN_FILE';

/**
 * TEST SEAM for the browser e2e tests, which cannot reach a cloud: when the extension host's environment has
 * MYSQL_TLS_E2E_TOKEN_FILE, every token login (any method) reads its token from that file, once per connect,
 * instead of asking the cloud's credential chain. Only the environment of the VS Code process sets it: no
 * setting (user or workspace) can, so a repository cannot redirect where tokens come from. Everything else
 * (verified TLS only, consent, fresh token per connect) applies unchanged. Undefined (the clouds' chains)
 * when the variable is not set.
 */
export function e2eTokenSource(env: NodeJS.ProcessEnv = process.env): TokenSource | undefined {
  const file = env[E2E_TOKEN_FILE_ENV];
  if (!file) return undefined;
  return async () => {
    const { readBoundedFile } = await import(/* webpackChunkName: "session" */ '../core/files/boundedFile');
    const token = (await readBoundedFile(file, E2E_TOKEN_FILE_ENV, 64 * 1024)).toString('utf8').trim();
    return { token, expiresAt: new Date(Date.now() + 15 * 60_000) };
  };
}
