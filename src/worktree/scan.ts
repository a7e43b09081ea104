import fs from 'node:fs'
import path from 'node:path'
import { reservedAlias } from '../model/names.js'
import { joinPath, MAX_PATH_BYTES } from '../model/tree.js'
import { FAILED, lstatInto, SharedLstat, STAT_FIELDS } from './status/lstat.js'
import { trace } from '../util/trace.js'
import type { EntryTable } from './status/stat-cache.js'
import type { FileKind, FileStat } from './status/index-file.js'
import { takePreloaded } from './status/preload.js'
import { IGNORE_FILES, IgnoreRules, StatTuple, statOrUndefined, statTuple } from './ignore.js'
import { WalkRecord, changedSince, parentOf } from './status/walk-record.js'
import { KIND_NAMES, kindIndexOfMode, RACY_MS } from './status/index-file.js'
import { knob } from '../util/knobs.js'

/** From this many tracked files on, a helper thread shares the lstat calls. */
const PARALLEL_FROM = 4000



/**
 * Names never recorded: acache's own directory and git's, in every spelling
 * some file system makes one of them (readers refuse such tree entries).
 */
export function isPrivateName (name: string): boolean {
  return reservedAlias(name) !== undefined
}

export type { FileKind, FileStat } from './status/index-file.js'

/**
 * The files of a working root as columns (no object per file): path, kind,
 * and the stat numbers of lstat.ts. The first `tracked` paths are the tracked
 * files, in the order of the entries (kind undefined when not there now); the
 * rest are the new files found.
 */
export interface Scan {
  /** every path (made into strings when first asked for: an unchanged tree never needs them) */
  readonly paths: string[]
  /** how many paths */
  count: number
  tracked: number
  /** the kind of path i now: undefined when not there; throws the error of an lstat that failed otherwise */
  kindAt: (i: number) => FileKind | undefined
  stats: Float64Array
  /** when the entries are as read from the index: 1 for each tracked path found as recorded */
  same?: Uint8Array
  walk: WalkRecord
  /** whether `walk` differs from the one given (then worth saving) */
  walkChanged: boolean
}

export function statAt (scan: Scan, i: number): FileStat {
  const b = i * STAT_FIELDS
  const s = scan.stats
  return { mode: s[b + 1], size: s[b + 2], mtimeMs: s[b + 3], ctimeMs: s[b + 4], ino: s[b + 5] }
}

function kindOfMode (mode: number): FileKind | undefined {
  return KIND_NAMES[kindIndexOfMode(mode)]
}

export interface ScanInput {
  /** the tracked files */
  entries: EntryTable
  /** the tracked directories: walked even where the rules ignore them */
  trackedDirs: { has: (p: string) => boolean, keys: () => Iterable<string> }
  /** the tree the entries are (for the walk record) */
  tree: string
  /** directories never to look into ($ACACHE_HOME when it lies in the working root) */
  privateDirs?: string[]
  /** the record of the last walk, when it was made for the same tree */
  last?: WalkRecord
  /** the index file the entries were read from, unchanged since (index-file.ts fileId) */
  file?: string
}

/**
 * Finds the new files of a working root: every regular file and symlink
 * that is neither tracked nor ignored. Never follows symlinks, never enters
 * `.acache` or a private directory. As in git, ignore rules do not hide what
 * is tracked. With the record of the last walk it reads only the
 * directories whose stat changed since.
 */
class Walker {
  /** new files */
  readonly found: string[] = []
  /** directories read or found unchanged: every tracked file not in one of them is gone */
  readonly walked = new Set<string>()
  readonly dirs: WalkRecord['dirs'] = []
  /** directories with nothing in them (not tracked, as in git: said so by status) */
  readonly empty = new Set<string>()
  private readonly now = Date.now()
  private readonly hidden: Set<string>
  private ruleFiles = new Map<string, StatTuple>()

  constructor (private readonly root: string, private readonly input: ScanInput) {
    this.hidden = new Set<string>()
    for (const d of input.privateDirs ?? []) {
      const rel = path.relative(root, path.resolve(d))
      if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) this.hidden.add(rel.split(path.sep).join('/'))
    }
  }

  record (): WalkRecord {
    return {
      tree: this.input.tree,
      at: this.now,
      hidden: [...this.hidden].sort(),
      ignores: [...this.ruleFiles].map(([p, t]) => [p, ...t]).sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) as WalkRecord['ignores'],
      dirs: this.dirs,
      empty: [...this.empty].sort()
    }
  }

  /** Walks everything. */
  full (): void {
    const rules = new IgnoreRules(this.root, this.now)
    this.walk('', rules, false)
    this.noteRules(rules)
  }

  private noteRules (rules: IgnoreRules): void {
    for (const [p, t] of rules.files) this.ruleFiles.set(p, t)
  }

  private abs (dir: string): string { return dir === '' ? this.root : path.join(this.root, dir) }

  /**
   * Reads a directory and walks on below it. An excluded one (ignored, and
   * walked only because files are tracked in it) has no new files, as in git:
   * nothing below an excluded directory can be re-included.
   */
  private walk (dir: string, rules: IgnoreRules, excluded: boolean, st = statOrUndefined(this.abs(dir), false)): void {
    if (st === undefined || !st.isDirectory()) return
    let names: fs.Dirent[]
    try {
      names = fs.readdirSync(this.abs(dir), { withFileTypes: true })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      throw err
    }
    this.walked.add(dir)
    const rec: WalkRecord['dirs'][number] = [dir, st.mtimeMs, st.ctimeMs, st.ino, 0]
    this.dirs.push(rec)
    const entered = !excluded && rules.enter(dir)
    rec[4] = this.readEntries(dir, names, rules, excluded) ? 0 : 1
    if (entered) rules.leave()
  }

  /**
   * Goes through a directory's entries: new files are noted, directories
   * not walked yet are walked. Whether no file was new.
   */
  private readEntries (dir: string, names: fs.Dirent[], rules: IgnoreRules, excluded: boolean): boolean {
    const { entries, trackedDirs } = this.input
    let clean = true
    let any = false
    for (const d of names) {
      const name = d.name
      if (isPrivateName(name)) continue
      any = true
      const p = joinPath(dir, name)
      if (d.isDirectory()) {
        if (this.walked.has(p) || this.hidden.has(p)) continue
        const out = excluded || rules.ignores(p, true)
        if (!out || trackedDirs.has(p)) this.walk(p, rules, out)
      } else if (d.isFile() || d.isSymbolicLink()) {
        if (excluded || entries.has(p) || Buffer.byteLength(p) > MAX_PATH_BYTES || rules.ignores(p, false)) continue
        this.found.push(p)
        clean = false
      }
    }
    // an empty directory is read again each time (it is cheap), so that status keeps saying it is not tracked
    if (!any && dir !== '' && !excluded) { this.empty.add(dir); return false }
    return clean
  }

  /**
   * Reads only the directories that changed since `last`. False when the
   * record cannot be used (rules or private directories changed): then walk
   * everything.
   */
  quick (last: WalkRecord): boolean {
    if (last.hidden.join('\0') !== [...this.hidden].sort().join('\0')) return false
    for (const [f, size, m, c, ino] of last.ignores) {
      const now = statTuple(statOrUndefined(path.join(this.root, f), true), this.now)
      if (size === -1 || now[0] !== size || now[1] !== m || now[2] !== c || now[3] !== ino) return false
      this.ruleFiles.set(f, [size, m, c, ino])
    }
    const gone = new Set<string>()
    const changed: Array<WalkRecord['dirs'][number]> = []
    for (const rec of last.dirs) {
      const [d, m, c, ino, dirty] = rec
      if (d !== '' && gone.has(parentOf(d))) { gone.add(d); continue }
      const st = statOrUndefined(this.abs(d), false)
      if (st === undefined || !st.isDirectory()) { gone.add(d); continue }
      this.walked.add(d)
      if (dirty === 0 && m < last.at - RACY_MS && st.mtimeMs === m && st.ctimeMs === c && st.ino === ino) {
        this.dirs.push(rec)
      } else {
        const now: WalkRecord['dirs'][number] = [d, st.mtimeMs, st.ctimeMs, st.ino, 0]
        changed.push(now)
        this.dirs.push(now)
      }
    }
    // the rules of each directory read, made once from its parent's (many may have changed)
    const rulesMemo = new Map<string, IgnoreRules>()
    const rulesAt = (d: string): IgnoreRules => {
      let r = rulesMemo.get(d)
      if (r === undefined) {
        r = d === '' ? new IgnoreRules(this.root, this.now) : excludedAt(d) ? rulesAt(parentOf(d)) : rulesAt(parentOf(d)).below(d)
        rulesMemo.set(d, r)
      }
      return r
    }
    // whether a directory is excluded (by its parent's rules, or lies in an excluded one)
    const excludedMemo = new Map<string, boolean>([['', false]])
    const excludedAt = (d: string): boolean => {
      let x = excludedMemo.get(d)
      if (x === undefined) {
        const parent = parentOf(d)
        x = excludedAt(parent) || rulesAt(parent).ignores(d, true)
        excludedMemo.set(d, x)
      }
      return x
    }
    for (const rec of changed) {
      const dir = rec[0]
      let names: fs.Dirent[]
      try {
        names = fs.readdirSync(this.abs(dir), { withFileTypes: true })
      } catch {
        return false // changed again under our feet: start over, walking everything
      }
      // a new ignore file changes the rules: walk everything
      if (names.some(n => IGNORE_FILES.includes(n.name) && !this.ruleFiles.has(joinPath(dir, n.name)))) return false
      rec[4] = this.readEntries(dir, names, rulesAt(dir), excludedAt(dir)) ? 0 : 1 // recorded directories were checked above on their own
    }
    const top = rulesMemo.get('')
    if (top !== undefined) this.noteRules(top)
    return true
  }
}

/**
 * Scans the working root: the lstat of every tracked file (shared with a
 * helper thread on large trees, as git's preloaded index) and, meanwhile on
 * this thread, the walk for new files.
 */
export function scanWorktree (root: string, input: ScanInput): Scan {
  const { entries } = input
  const tracked = (): string[] => entries.paths()
  const n = entries.size
  const preloaded = input.file === undefined ? undefined : takePreloaded(input.file, root, n)
  const columns = entries.columnsAsRead()
  const parallel = n >= PARALLEL_FROM && knob('ACACHE_THREADS') !== '0'
  const lstat = new SharedLstat(root, n, tracked, parallel, () => entries.pathBytes(), columns, preloaded)
  trace('walk start')
  let walker = new Walker(root, input)
  const quick = input.last !== undefined && walker.quick(input.last)
  if (!quick) {
    walker = new Walker(root, input)
    walker.full()
  }
  trace(quick ? 'walk done (changed directories only)' : 'walk done')
  let stats = lstat.finish()
  trace('lstat done')

  // A tracked file whose directory was not walked (gone, or now a symlink or a file) is not there.
  let allWalked = true
  for (const d of input.trackedDirs.keys()) if (!walker.walked.has(d)) { allWalked = false; break }
  if (!allWalked) {
    const paths = tracked()
    for (let i = 0; i < n; i++) {
      if (walker.walked.has(parentOf(paths[i]))) continue
      stats[i * STAT_FIELDS] = 0
      if (lstat.same !== undefined) lstat.same[i] = 0
    }
  }

  const found = walker.found
  if (found.length > 0) {
    const all = new Float64Array((n + found.length) * STAT_FIELDS)
    all.set(stats)
    lstatInto(root, found, 0, found.length, all, n)
    stats = all
  }
  let paths: string[] | undefined
  const pathList = (): string[] => (paths ??= found.length > 0 ? tracked().concat(found) : tracked())
  // kinds are worked out only for the paths looked at (most are found as the index has them)
  const kindAt = (i: number): FileKind | undefined => {
    const b = i * STAT_FIELDS
    if (stats[b] === FAILED) fs.lstatSync(path.join(root, pathList()[i])) // failed, on either thread: let it throw its error here
    // gone since readdir, or no longer a file or symlink: undefined
    return stats[b] === 1 ? kindOfMode(stats[b + 1]) : undefined
  }
  const walk = walker.record()
  return { get paths () { return pathList() }, count: n + found.length, tracked: n, kindAt, stats, same: lstat.same, walk, walkChanged: input.last === undefined || changedSince(walk, input.last) }
}
