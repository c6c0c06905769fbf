import * as os from 'node:os';
import * as path from 'node:path';

export interface PathContext {
  /** The first workspace folder, when there is one (for `${workspaceFolder}`). */
  workspaceFolder?: string;
  /** Named workspace folders for `${workspaceFolder:name}`. */
  workspaceFolders?: Record<string, string>;
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** Relative paths resolve against this (defaults to the workspace folder, else the process cwd). */
  baseDir?: string;
  /** False for a path bound for workspace settings: `${env:NAME}` is for user settings only. */
  allowEnv?: boolean;
}

export class PathExpansionError extends Error {}

/**
 * Whether path.resolve() would return this path unchanged: absolute on POSIX, without empty, `.` or `..` segments
 * or a trailing slash (as most settings write their files). Activation expands every file of every connection, and
 * path.resolve's normalisation was most of that time with hundreds of connections.
 */
export function isNormalPosixAbsolute(p: string): boolean {
  return (
    path.sep === '/' &&
    p.length > 1 &&
    p.startsWith('/') &&
    !p.endsWith('/') &&
    !p.endsWith('/.') &&
    !p.endsWith('/..') &&
    !p.includes('//') &&
    !p.includes('/./') &&
    !p.includes('/../')
  );
}

/** Expands `${workspaceFolder}`, `${workspaceFolder:name}`, `${userHome}`, `~`, `${env:NAME}` and resolves relative paths. */
export function expandPath(input: string, ctx: PathContext = {}): string {
  if (isNormalPosixAbsolute(input) && !input.includes('${')) return input;
  const home = ctx.home ?? os.homedir();
  const env = ctx.env ?? process.env;
  let out = input.replace(/\$\{([^}]+)\}/g, (_m, expr: string) => {
    if (expr === 'workspaceFolder') {
      if (!ctx.workspaceFolder) throw new PathExpansionError(`"${input}" uses \${workspaceFolder} but no folder is open`);
      return ctx.workspaceFolder;
    }
    if (expr.startsWith('workspaceFolder:')) {
      const name = expr.slice('workspaceFolder:'.length);
      const dir = ctx.workspaceFolders?.[name];
      if (!dir) throw new PathExpansionError(`"${input}" names workspace folder "${name}", which is not open`);
      return dir;
    }
    if (expr === 'userHome') return home;
    if (expr.startsWith('env:')) {
      if (ctx.allowEnv === false)
        throw new PathExpansionError(
          `"${input}" uses \${env:…}, which is allowed in user settings only (a workspace must not read your environment variables)`,
        );
      const value = env[expr.slice(4)];
      if (value === undefined) throw new PathExpansionError(`"${input}" uses environment variable ${expr.slice(4)}, which is not set`);
      return value;
    }
    throw new PathExpansionError(`"${input}" uses \${${expr}}, which is not supported (use \${workspaceFolder}, \${userHome} or \${env:NAME})`);
  });
  if (out === '~' || out.startsWith('~/')) out = path.join(home, out.slice(1));
  const base = ctx.baseDir ?? ctx.workspaceFolder ?? process.cwd();
  return path.resolve(base, out);
}

/**
 * A message about files with each expanded path put back as written: a setting that uses ${env:NAME} is
 * shown with the variable's name, never its value (it may be a secret). Pairs are [expanded, as written].
 */
export function asWritten(text: string, written: readonly (readonly [string, string])[]): string {
  return written.reduce((t, [expanded, asIs]) => t.split(expanded).join(asIs), text);
}
