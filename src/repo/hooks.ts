import fs from 'node:fs'
import path from 'node:path'
import { childProcess } from '../util/builtins.js'
import { Repo } from './repo.js'
import { packageDir } from '../util/package.js'

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
  // $ACACHE is one executable that runs this acache (npx or not), quoted or not ("$ACACHE" status --porcelain -z);
  // its directory comes first on PATH, so a plain `acache` in a hook is this one too
  const wrapper = acacheWrapper(repo)
  const r = childProcess().spawnSync(file, args, {
    cwd: repo.root ?? repo.dir,
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', process.stderr.fd, process.stderr.fd],
    env: { ...process.env, PATH: `${path.dirname(wrapper)}${path.delimiter}${process.env.PATH ?? ''}`, ACACHE_DIR: repo.dir, ACACHE_WORK_TREE: repo.root ?? '', ACACHE: wrapper, ...env }
  })
  if (r.error !== undefined) return 126
  return r.status ?? 128
}

/**
 * `.acache/tmp/bin/acache`: a small sh script that runs this acache (this
 * Node, this script), written when missing or different. One path, so a
 * hook can quote it.
 */
function acacheWrapper (repo: Repo): string {
  const q = (x: string): string => `'${x.replace(/'/g, "'\\''")}'`
  const file = repo.layout.hookCommand
  const text = process.argv[1] === undefined
    ? '#!/bin/sh\nexec acache "$@"\n'
    : `#!/bin/sh\n# runs the acache that ran this hook\nexec ${q(process.execPath)} ${q(process.argv[1])} "$@"\n`
  let current: string | undefined
  try { current = fs.readFileSync(file, 'utf8') } catch { current = undefined }
  if (current !== text) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const tmp = `${file}.${process.pid}`
    fs.writeFileSync(tmp, text, { mode: 0o755 })
    fs.renameSync(tmp, file)
  }
  return file
}

/**
 * The sample hooks shipped with acache (its hooks/ folder), copied into a
 * new repository as `.acache/hooks/NAME.sample`, as git does: to use one,
 * copy it to `.acache/hooks/HOOK` and make it executable.
 */
export function installSampleHooks (repo: Repo, from = path.join(packageDir(), 'hooks')): void {
  let names: string[]
  try { names = fs.readdirSync(from) } catch { return }
  fs.mkdirSync(repo.layout.hook(), { recursive: true })
  for (const name of names) {
    const src = path.join(from, name)
    if (!fs.statSync(src).isFile()) continue
    fs.copyFileSync(src, repo.layout.hook(`${name}.sample`))
    fs.chmodSync(repo.layout.hook(`${name}.sample`), 0o644)
  }
}
