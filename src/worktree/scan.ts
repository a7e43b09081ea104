import fs from 'node:fs'
import path from 'node:path'
import ignore, { type Ignore } from 'ignore'
import { REPO_DIR } from '../repo/repo.js'
import { joinPath, MAX_PATH_BYTES } from '../model/tree.js'
import { lstatInto, STAT_FIELDS } from './lstat.js'

const PARALLEL_FROM = 4000

export const IGNORE_FILE = '.acacheignore'

export type FileKind = 'file' | 'exec' | 'symlink'

/** The stat fields acache looks at (fs.Stats has them; so do the light records of a parallel scan). */
export interface FileStat { mode: number, size: number, mtimeMs: number, ctimeMs: number, ino: number }

/** The files of a working root as columns (no object per file): path, kind, and the stat numbers of lstat.ts. */
export interface Scan { paths: string[], kinds: Array<FileKind | undefined>, stats: Float64Array }

export function statAt (scan: Scan, i: number): FileStat {
  const b = i * STAT_FIELDS
  const s = scan.stats
  return { mode: s[b + 1], size: s[b + 2], mtimeMs: s[b + 3], ctimeMs: s[b + 4], ino: s[b + 5] }
}

export function kindOfStat (st: fs.Stats): FileKind | undefined {
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isFile()) return (st.mode & 0o100) !== 0 ? 'exec' : 'file'
  return undefined
}

interface Rules { base: string, ig: Ignore, files: boolean }

/** Whether any pattern can match a file (one ending in "/" only ever matches directories). */
function matchesFiles (text: string): boolean {
  return text.split('\n').some(l => { const t = l.trim(); return t !== '' && !t.startsWith('#') && !t.endsWith('/') })
}

/**
 * The ignore rules of a working root: `.acacheignore` files (gitignore syntax,
 * nested ones apply below their directory) and `.acache/info/exclude`.
 */
export class IgnoreRules {
  private readonly stack: Rules[] = []

  constructor (private readonly root: string) {
    const top = ignore()
    let any = false
    let files = false
    for (const f of [path.join(root, REPO_DIR, 'info', 'exclude'), path.join(root, IGNORE_FILE)]) {
      const text = readIfFile(f)
      if (text !== undefined) { top.add(text); any = true; files ||= matchesFiles(text) }
    }
    if (any) this.stack.push({ base: '', ig: top, files })
  }

  /** Loads the rules of a directory's own .acacheignore, if it has one. */
  enter (dir: string): boolean {
    if (dir === '') return false
    const text = readIfFile(path.join(this.root, dir, IGNORE_FILE))
    if (text === undefined) return false
    this.stack.push({ base: dir, ig: ignore().add(text), files: matchesFiles(text) })
    return true
  }

  leave (): void { this.stack.pop() }

  ignores (p: string, isDir: boolean): boolean {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const r = this.stack[i]
      if (!isDir && !r.files) continue // only directory patterns here (e.g. ".git/"): no file can match
      const rel = r.base === '' ? p : p.slice(r.base.length + 1)
      const res = r.ig.test(isDir ? rel + '/' : rel)
      if (res.ignored) return true
      if (res.unignored) return false
    }
    return false
  }
}

function readIfFile (f: string): string | undefined {
  try { return fs.readFileSync(f, 'utf8') } catch { return undefined }
}

/**
 * Walks the working root: every regular file and symlink that is not ignored,
 * with its lstat. Never follows symlinks, never enters `.acache`. As in git,
 * ignore rules do not hide what is already tracked (`tracked` says what is).
 * The lstat calls of a large tree are shared with a worker thread, as git's
 * preloaded index shares them between threads.
 */
export async function scanWorktree (root: string, tracked?: (p: string, isDir: boolean) => boolean, privateDirs: string[] = [], expected = 0): Promise<Scan> {
  // Start the helper thread first, so it is ready when the walk is done.
  const helper = expected >= PARALLEL_FROM ? await startHelper() : undefined
  // $ACACHE_HOME holds the secret key: never look inside it, even when it sits in the working root.
  const hidden = new Set<string>()
  for (const d of privateDirs) {
    const rel = path.relative(root, path.resolve(d))
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) hidden.add(rel.split(path.sep).join('/'))
  }
  const paths: string[] = []
  const rules = new IgnoreRules(root)
  const walk = (dir: string): void => {
    let names: fs.Dirent[]
    try {
      names = fs.readdirSync(dir === '' ? root : path.join(root, dir), { withFileTypes: true })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      throw err
    }
    const entered = rules.enter(dir)
    for (const d of names) {
      const name = d.name
      if (name === REPO_DIR) continue
      const p = joinPath(dir, name)
      if (d.isDirectory()) {
        if (hidden.has(p)) continue
        if (!rules.ignores(p, true) || tracked?.(p, true) === true) walk(p)
      } else if (d.isFile() || d.isSymbolicLink()) {
        if (Buffer.byteLength(p) > MAX_PATH_BYTES) continue
        if (rules.ignores(p, false) && tracked?.(p, false) !== true) continue
        paths.push(p)
      }
    }
    if (entered) rules.leave()
  }
  const T = process.env.ACACHE_TRACE === '1' ? (l: string) => process.stderr.write(`${l} ${performance.now().toFixed(1)}\n`) : () => {}
  T('walk start')
  walk('')
  T('walk done')
  const stats = await lstatMany(root, paths, helper)
  T('lstat done')
  const kinds = new Array<FileKind | undefined>(paths.length)
  for (let i = 0; i < paths.length; i++) {
    const b = i * STAT_FIELDS
    const mode = stats[b + 1]
    // gone since readdir, or no longer a file or symlink: undefined
    kinds[i] = stats[b] === 0 ? undefined : (mode & 0o170000) === 0o120000 ? 'symlink' : (mode & 0o170000) === 0o100000 ? ((mode & 0o100) !== 0 ? 'exec' : 'file') : undefined
  }
  return { paths, kinds, stats }
}

type Helper = { worker: import('node:worker_threads').Worker }

async function startHelper (): Promise<Helper | undefined> {
  try {
    const { startWorker } = await import('../util/worker.js')
    const worker = startWorker(new URL('./lstat-worker.js', import.meta.url))
    return { worker }
  } catch {
    return undefined
  }
}

async function lstatMany (root: string, paths: string[], helper: Helper | undefined): Promise<Float64Array> {
  const out = new Float64Array(paths.length * STAT_FIELDS)
  if (helper === undefined || paths.length < PARALLEL_FROM) {
    if (helper !== undefined) void helper.worker.terminate()
    lstatInto(root, paths, 0, paths.length, out)
    return out
  }
  // The main thread has more to do besides; the helper starts later, so it takes a little less than half.
  const split = Math.floor(paths.length * 0.55)
  const theirs = paths.slice(split)
  const done = new Promise<Float64Array>((resolve, reject) => {
    helper.worker.once('message', (buf: ArrayBuffer) => resolve(new Float64Array(buf)))
    helper.worker.once('error', reject)
  })
  helper.worker.postMessage({ root, paths: theirs })
  lstatInto(root, paths, 0, split, out)
  let other: Float64Array
  try {
    other = await done
  } catch {
    other = new Float64Array(theirs.length * STAT_FIELDS)
    lstatInto(root, theirs, 0, theirs.length, other)
  }
  out.set(other, split * STAT_FIELDS)
  void helper.worker.terminate()
  return out
}
