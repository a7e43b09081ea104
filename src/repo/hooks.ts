import fs from 'node:fs'
import { spawnSync } from 'node:child_process'
import { Repo } from './repo.js'

export const HOOK_NAMES = ['pre-commit', 'commit-msg', 'post-commit', 'pre-push', 'post-merge', 'post-fetch'] as const
export type HookName = typeof HOOK_NAMES[number]

/**
 * Runs `.acache/hooks/NAME` if it exists and is executable, in the working
 * root, with the repository in ACACHE_DIR. Its output goes to our stderr so
 * that `--json` on stdout stays clean. Returns its exit code (0 when absent).
 */
export function runHook (repo: Repo, name: HookName, args: string[] = [], env: Record<string, string> = {}, input?: string): number {
  const file = repo.layout.hook(name)
  let st: fs.Stats
  try { st = fs.statSync(file) } catch { return 0 }
  if (!st.isFile() || (st.mode & 0o111) === 0) return 0
  const r = spawnSync(file, args, {
    cwd: repo.root ?? repo.dir,
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', process.stderr.fd, process.stderr.fd],
    // ACACHE runs this acache (npx or not): a hook can ask it, e.g. "$ACACHE" status --porcelain -z
    env: { ...process.env, ACACHE_DIR: repo.dir, ACACHE_WORK_TREE: repo.root ?? '', ACACHE: acacheCommand(), ...env }
  })
  if (r.error !== undefined) return 126
  return r.status ?? 128
}

/** The command that runs this acache, quoted for sh. */
function acacheCommand (): string {
  const q = (x: string): string => `'${x.replace(/'/g, "'\\''")}'`
  return process.argv[1] === undefined ? 'acache' : `${q(process.execPath)} ${q(process.argv[1])}`
}
