import fs from 'node:fs'
import path from 'node:path'
import { REPO_DIR } from '../repo/layout.js'
import { readRegularFile } from '../util/fs.js'
import { MAX_SPECIAL_FILE_BYTES } from '../model/limits.js'
import { RACY_MS } from './status/index-file.js'
import { byteString, lastMatch, parsePatterns, Pattern } from './gitignore.js'

/** acache's own ignore file; read after a directory's .gitignore, so its patterns win there */
export const IGNORE_FILE = '.acacheignore'
/** git's: read too, so a project's existing rules hold from the first commit */
export const GIT_IGNORE_FILE = '.gitignore'
/** the files of rules a directory may hold, in the order they are read */
export const IGNORE_FILES = [GIT_IGNORE_FILE, IGNORE_FILE]
const EXCLUDE_FILE = `${REPO_DIR}/info/exclude`

interface Rules { base: string, patterns: Pattern[], files: boolean }

/** Whether any pattern can match a file (one ending in "/" only ever matches directories). */
function matchesFiles (patterns: Pattern[]): boolean {
  return patterns.some(p => !p.dirOnly)
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
 * The ignore rules of a working root, as git's (gitignore(5)): in each
 * directory its `.gitignore` and then its `.acacheignore` (read as one file,
 * so acache's patterns come last and win), applying below that directory,
 * a deeper directory's before a shallower's, and `.acache/info/exclude`
 * last. The first file with a matching pattern decides, by its last
 * matching pattern. That a directory is excluded, hiding all below it, is
 * the walk's to apply (scan.ts). Notes every rule file it reads, with its
 * stat.
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
    const exclude = this.read(EXCLUDE_FILE, true)
    if (exclude !== undefined) this.push('', exclude)
    this.load('')
  }

  /** The rules that apply in `dir`, a subdirectory of the one these apply in: a copy, with its own files'. */
  below (dir: string): IgnoreRules {
    const rules = new IgnoreRules(this.root, this.now, this)
    rules.enter(dir)
    return rules
  }

  private push (base: string, text: string): void {
    const patterns = parsePatterns(text)
    this.stack.push({ base, patterns, files: matchesFiles(patterns) })
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
    this.files.set(rel, statTuple(st, this.now))
    return bytes.toString('latin1') // patterns are bytes, as paths are matched (gitignore.ts)
  }

  /** Loads the rules of a subdirectory's own ignore files, if it has any (the root's are read at the start); whether it had. */
  enter (dir: string): boolean {
    return dir !== '' && this.load(dir)
  }

  private load (dir: string): boolean {
    const texts: string[] = []
    for (const name of IGNORE_FILES) {
      const text = this.read(dir === '' ? name : `${dir}/${name}`, dir === '')
      if (text !== undefined) texts.push(text.endsWith('\n') || text === '' ? text : text + '\n')
    }
    if (texts.length === 0) return false
    this.push(dir, texts.join(''))
    return true
  }

  leave (): void { this.stack.pop() }

  /** Whether `p` (a path from the root; a directory when `isDir`) is excluded, its parents aside. */
  ignores (p: string, isDir: boolean): boolean {
    let bytes: string | undefined
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const r = this.stack[i]
      if (!isDir && !r.files) continue // only directory patterns here (e.g. ".git/"): no file can match
      bytes ??= byteString(p)
      const rel = r.base === '' ? bytes : bytes.slice(byteString(r.base).length + 1)
      const verdict = lastMatch(r.patterns, rel, isDir)
      if (verdict !== undefined) return verdict
    }
    return false
  }
}
