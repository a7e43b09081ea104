import fs from 'node:fs'
import path from 'node:path'
import ignore, { type Ignore } from 'ignore'
import { REPO_DIR } from '../repo/repo.js'
import { joinPath, MAX_PATH_BYTES } from '../model/tree.js'

export const IGNORE_FILE = '.acacheignore'

export type FileKind = 'file' | 'exec' | 'symlink'

export interface ScannedFile { kind: FileKind, stat: fs.Stats }

export function kindOfStat (st: fs.Stats): FileKind | undefined {
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isFile()) return (st.mode & 0o100) !== 0 ? 'exec' : 'file'
  return undefined
}

interface Rules { base: string, ig: Ignore }

/**
 * The ignore rules of a working root: `.acacheignore` files (gitignore syntax,
 * nested ones apply below their directory) and `.acache/info/exclude`.
 */
export class IgnoreRules {
  private readonly stack: Rules[] = []

  constructor (private readonly root: string) {
    const top = ignore()
    let any = false
    for (const f of [path.join(root, REPO_DIR, 'info', 'exclude'), path.join(root, IGNORE_FILE)]) {
      const text = readIfFile(f)
      if (text !== undefined) { top.add(text); any = true }
    }
    if (any) this.stack.push({ base: '', ig: top })
  }

  /** Loads the rules of a directory's own .acacheignore, if it has one. */
  enter (dir: string): boolean {
    if (dir === '') return false
    const text = readIfFile(path.join(this.root, dir, IGNORE_FILE))
    if (text === undefined) return false
    this.stack.push({ base: dir, ig: ignore().add(text) })
    return true
  }

  leave (): void { this.stack.pop() }

  ignores (p: string, isDir: boolean): boolean {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const r = this.stack[i]
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
 */
export function scanWorktree (root: string, tracked?: (p: string, isDir: boolean) => boolean, privateDirs: string[] = []): Map<string, ScannedFile> {
  const out = new Map<string, ScannedFile>()
  // $ACACHE_HOME holds the secret key: never look inside it, even when it sits in the working root.
  const hidden = new Set<string>()
  for (const d of privateDirs) {
    const rel = path.relative(root, path.resolve(d))
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) hidden.add(rel.split(path.sep).join('/'))
  }
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
        const st = fs.lstatSync(path.join(root, p), { throwIfNoEntry: false })
        const kind = st === undefined ? undefined : kindOfStat(st)
        if (kind !== undefined) out.set(p, { kind, stat: st! })
      }
    }
    if (entered) rules.leave()
  }
  walk('')
  return out
}
