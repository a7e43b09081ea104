import fs from 'node:fs'
import path from 'node:path'
import ignore, { type Ignore } from 'ignore'
import { REPO_DIR } from '../repo/layout.js'
import { readRegularFile } from '../util/fs.js'
import { MAX_SPECIAL_FILE_BYTES } from '../model/limits.js'
import { RACY_MS } from './index-file.js'

export const IGNORE_FILE = '.acacheignore'
const EXCLUDE_FILE = `${REPO_DIR}/info/exclude`

interface Rules { base: string, ig: Ignore, files: boolean }

/** Whether any pattern can match a file (one ending in "/" only ever matches directories). */
function matchesFiles (text: string): boolean {
  return text.split('\n').some(l => { const t = l.trim(); return t !== '' && !t.startsWith('#') && !t.endsWith('/') })
}

/** size (-2 absent, -1 too recent to trust), mtimeMs, ctimeMs, ino: how a rule file is recognised next time */
export type StatTuple = [number, number, number, number]
const ABSENT: StatTuple = [-2, 0, 0, 0]

export function statTuple (st: fs.Stats | undefined, now: number): StatTuple {
  if (st === undefined) return ABSENT
  return [now - st.mtimeMs < RACY_MS ? -1 : st.size, st.mtimeMs, st.ctimeMs, st.ino]
}

export function statOrUndefined (f: string, follow: boolean): fs.Stats | undefined {
  try {
    return follow ? fs.statSync(f, { throwIfNoEntry: false }) : fs.lstatSync(f, { throwIfNoEntry: false })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
    throw err
  }
}

/**
 * The ignore rules of a working root: `.acacheignore` files (gitignore syntax,
 * nested ones apply below their directory) and `.acache/info/exclude`. Notes
 * every rule file it reads, with its stat.
 */
export class IgnoreRules {
  private readonly stack: Rules[] = []
  /** path -> stat tuple of every rule file looked at (shared with the rules of subdirectories) */
  readonly files: Map<string, StatTuple>

  constructor (private readonly root: string, private readonly now = Date.now(), parent?: IgnoreRules) {
    if (parent !== undefined) {
      this.stack.push(...parent.stack)
      this.files = parent.files
      return
    }
    this.files = new Map()
    const top = ignore()
    let any = false
    let files = false
    for (const f of [EXCLUDE_FILE, IGNORE_FILE]) {
      const text = this.read(f, true)
      if (text !== undefined) { top.add(text); any = true; files ||= matchesFiles(text) }
    }
    if (any) this.stack.push({ base: '', ig: top, files })
  }

  /** The rules that apply in `dir`, a subdirectory of the one these apply in: a copy, with its own file's. */
  below (dir: string): IgnoreRules {
    const rules = new IgnoreRules(this.root, this.now, this)
    rules.enter(dir)
    return rules
  }

  private read (rel: string, noteAbsent: boolean): string | undefined {
    const abs = path.join(this.root, rel)
    // stat before reading: a file changed in between then looks changed next time
    const st = statOrUndefined(abs, true)
    if (st === undefined || !st.isFile()) {
      if (noteAbsent) this.files.set(rel, ABSENT)
      return undefined
    }
    // a regular file within the limit only (checked again on the open file)
    const bytes = readRegularFile(abs, MAX_SPECIAL_FILE_BYTES, rel, false)
    if (bytes === undefined) return undefined
    const text = bytes.toString('utf8')
    this.files.set(rel, statTuple(st, this.now))
    return text
  }

  /** Loads the rules of a directory's own .acacheignore, if it has one. */
  enter (dir: string): boolean {
    if (dir === '') return false
    const text = this.read(`${dir}/${IGNORE_FILE}`, false)
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
