import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { fail } from '../errors.js'
import { parseCid } from '../util/cid-text.js'
import { readTextIfExists, writeFileAtomic } from '../util/fs.js'
import { acquireLock } from './lock.js'
import { RepoLayout } from './layout.js'

export type Head = { ref: string, cid?: CID } | { ref?: undefined, cid: CID }

export interface RefLogEntry { old?: CID, new?: CID, time: string, message: string }

/**
 * What a ref must hold for an update to go ahead: the CID the command read
 * (its "old value", as git's ref transactions carry), or ABSENT (the ref
 * must not exist yet). An update given no expectation overwrites whatever
 * is there (a forced move).
 */
export const ABSENT = 'absent' as const
export type Expected = CID | typeof ABSENT | undefined

/** Refs whose moves are logged: branches and remote-tracking branches (so a forced update can be undone), as git's core.logAllRefUpdates. */
function logged (ref: string): boolean {
  return ref.startsWith('refs/heads/') || ref.startsWith('refs/remotes/')
}

const same = (a: CID | undefined, b: CID | undefined): boolean => a === undefined ? b === undefined : b !== undefined && a.equals(b)

interface Update { ref: string, to: CID | undefined, expected: Expected, unlogged?: boolean }

/**
 * The refs of a repository (`.acache/HEAD`, `.acache/refs/...`) and their
 * logs. Reading is plain; every change goes through a transaction
 * (`transaction(message)`), which says why it moves the refs and what
 * each held when the command read it. Its commit takes the refs lock,
 * checks every old value, and only then moves them all, logging each move
 * with the message: a writer that moved a ref in between is detected
 * (REF_MOVED) and nothing is changed.
 */
export class RefStore {
  /** the clock the reflog's times are read from (an operation sets its context's: tests give their own) */
  now: () => Date = () => new Date()

  constructor (private readonly layout: RepoLayout) {}

  head (): Head {
    const text = readTextIfExists(this.layout.head)?.trim()
    if (text === undefined || text === '') fail('NOT_A_REPOSITORY', `${this.layout.head} is missing`)
    if (text.startsWith('ref: ')) {
      const ref = text.slice(5)
      return { ref, cid: this.read(ref) }
    }
    return { cid: parseCid(text, 'HEAD') }
  }

  headCommit (): CID | undefined {
    return this.head().cid
  }

  currentBranch (): string | undefined {
    const h = this.head()
    return h.ref?.startsWith('refs/heads/') === true ? h.ref.slice('refs/heads/'.length) : undefined
  }

  /** The ref HEAD names (undefined when detached or unreadable). */
  private headRef (): string | undefined {
    try {
      const text = readTextIfExists(this.layout.head)?.trim()
      return text?.startsWith('ref: ') === true ? text.slice(5) : undefined
    } catch { return undefined }
  }

  read (ref: string): CID | undefined {
    const text = readTextIfExists(this.layout.ref(ref))
    if (text === undefined) return undefined
    return parseCid(text.trim(), ref)
  }

  /** All refs under a prefix such as `refs/heads`, sorted by name. */
  list (prefix = 'refs'): Array<[string, CID]> {
    const out: Array<[string, CID]> = []
    const walk = (rel: string): void => {
      let names: fs.Dirent[]
      try { names = fs.readdirSync(this.layout.ref(rel), { withFileTypes: true }) } catch { return }
      for (const d of names) {
        if (d.name.startsWith('.')) continue
        const r = rel + '/' + d.name
        if (d.isDirectory()) walk(r)
        else if (d.isFile()) {
          const cid = this.read(r)
          if (cid !== undefined) out.push([r, cid])
        }
      }
    }
    walk(prefix)
    return out.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  }

  /** A ref's reflog, newest first; entries of a torn last line are skipped. */
  readLog (ref: string): RefLogEntry[] {
    const text = readTextIfExists(this.layout.log(ref)) ?? ''
    const out: RefLogEntry[] = []
    for (const line of text.split('\n')) {
      if (line === '') continue
      try {
        const o = JSON.parse(line)
        out.push({ old: o.old === null ? undefined : CID.parse(o.old), new: o.new === null ? undefined : CID.parse(o.new), time: String(o.time), message: String(o.message) })
      } catch {}
    }
    return out.reverse()
  }

  /** Every ref that has a reflog (HEAD, refs/heads/...). */
  withLogs (): string[] {
    const out: string[] = []
    const walk = (rel: string): void => {
      let names: fs.Dirent[]
      try { names = fs.readdirSync(this.layout.log(rel), { withFileTypes: true }) } catch { return }
      for (const d of names) {
        const r = rel === '' ? d.name : `${rel}/${d.name}`
        if (d.isDirectory()) walk(r)
        else if (d.isFile()) out.push(r)
      }
    }
    walk('')
    return out.sort()
  }

  /** A set of ref moves made together, all logged with `message` ("commit: fix the parser", "reset: moving to HEAD~1"). */
  transaction (message: string): RefTransaction {
    return new RefTransaction(this, message)
  }

  /** The one place refs are written: the checks and moves of a transaction, under the refs lock. */
  apply (message: string, updates: Update[], headMove: { to: { ref: string } | { cid: CID }, expected: Expected } | undefined, advance: { to: CID, expected: Expected } | undefined): void {
    const release = acquireLock(this.layout.refsLock, 'refs', { waitMs: 5000 })
    const done: Array<() => void> = []
    try {
      const moves = [...updates]
      // moving "whatever HEAD names" is decided under the lock: the branch HEAD names now, or HEAD itself when detached
      let detach: { cid: CID, expected: Expected } | undefined
      if (advance !== undefined) {
        const ref = this.headRef()
        if (ref !== undefined) moves.push({ ref, to: advance.to, expected: advance.expected })
        else detach = { cid: advance.to, expected: advance.expected }
      }
      const seen = new Set<string>()
      for (const u of moves) {
        if (seen.has(u.ref)) fail('BUG', `a ref transaction moves ${u.ref} twice`)
        seen.add(u.ref)
      }
      const headBefore = headMove !== undefined || detach !== undefined ? this.headOrUndefined()?.cid : undefined
      const olds = new Map<string, CID | undefined>()
      for (const u of moves) {
        const now = this.read(u.ref)
        olds.set(u.ref, now)
        check(u.ref, u.expected, now)
      }
      if (headMove !== undefined) check('HEAD', headMove.expected, headBefore)
      if (detach !== undefined) check('HEAD', detach.expected, headBefore)

      const headRef = this.headRef()
      for (const u of moves) {
        const old = olds.get(u.ref)
        const file = this.layout.ref(u.ref)
        if (u.to === undefined) fs.rmSync(file, { force: true })
        else {
          fs.mkdirSync(path.dirname(file), { recursive: true })
          writeFileAtomic(file, u.to.toString() + '\n')
        }
        done.push(() => this.restore(u.ref, old))
        if (u.unlogged !== true) this.log(u.ref, old, u.to, message)
        // the branch HEAD names moved: so did HEAD
        if (u.ref.startsWith('refs/heads/') && headRef === u.ref && headMove === undefined) this.log('HEAD', old, u.to, message)
      }
      if (detach !== undefined) this.writeHead({ cid: detach.cid }, headBefore, message, done)
      if (headMove !== undefined) this.writeHead(headMove.to, headBefore, message, done)
    } catch (err) {
      // a move that failed half way (a full disk) is undone, so the refs are as they were
      for (const undo of done.reverse()) { try { undo() } catch {} }
      throw err
    } finally {
      release()
    }
  }

  private writeHead (to: { ref: string } | { cid: CID }, before: CID | undefined, message: string, done: Array<() => void>): void {
    const previous = readTextIfExists(this.layout.head)
    writeFileAtomic(this.layout.head, 'ref' in to ? `ref: ${to.ref}\n` : `${to.cid.toString()}\n`)
    if (previous !== undefined) done.push(() => writeFileAtomic(this.layout.head, previous))
    this.log('HEAD', before, 'ref' in to ? this.read(to.ref) : to.cid, message)
  }

  private restore (ref: string, old: CID | undefined): void {
    if (old === undefined) fs.rmSync(this.layout.ref(ref), { force: true })
    else writeFileAtomic(this.layout.ref(ref), old.toString() + '\n')
  }

  private headOrUndefined (): Head | undefined {
    try { return this.head() } catch { return undefined }
  }

  /**
   * The reflog (git's): every move of HEAD and of each local branch, one
   * JSON line each in .acache/logs/<ref>, oldest first. What a reset, an
   * amend or a deleted branch left behind can be found there (`acache
   * reflog`, HEAD@{1}); gc keeps what it names.
   */
  private log (ref: string, old: CID | undefined, now: CID | undefined, why: string): void {
    if (ref !== 'HEAD' && !logged(ref)) return
    if (same(old, now) && ref !== 'HEAD') return
    if (old === undefined && now === undefined) return
    const file = this.layout.log(ref)
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.appendFileSync(file, JSON.stringify({ old: old?.toString() ?? null, new: now?.toString() ?? null, time: this.now().toISOString(), message: why }) + '\n')
    } catch { /* the reflog is a help, never a reason to fail a command */ }
  }
}

function check (ref: string, expected: Expected, now: CID | undefined): void {
  if (expected === undefined) return
  if (expected === ABSENT ? now === undefined : same(expected, now)) return
  const was = expected === ABSENT ? 'absent' : expected.toString()
  fail('REF_MOVED', `${ref} was changed by another process: it was ${was} when this command read it, and is ${now?.toString() ?? 'absent'} now; nothing was changed`, {
    data: { ref, expected: expected === ABSENT ? null : expected.toString(), found: now?.toString() ?? null },
    hint: 'look at what moved it (acache reflog), then run the command again'
  })
}

/**
 * Ref moves made together: built up with set/delete/setHead/advanceHead,
 * then `commit()`: either every move happens, each logged with the
 * message, or (an old value no longer there, a full disk) none does.
 */
export class RefTransaction {
  private readonly updates: Update[] = []
  private headMove?: { to: { ref: string } | { cid: CID }, expected: Expected }
  private advance?: { to: CID, expected: Expected }
  private committed = false

  constructor (private readonly store: RefStore, readonly message: string) {}

  /** `ref` to `cid`, if it holds `expected` now (a CID read before, or ABSENT; undefined: whatever it holds). */
  set (ref: string, cid: CID, expected?: Expected): this {
    this.updates.push({ ref, to: cid, expected })
    return this
  }

  /** Removes `ref`; `unlogged`: its log is not written (a rename moves the log with the ref). */
  delete (ref: string, expected?: Expected, unlogged = false): this {
    this.updates.push({ ref, to: undefined, expected, unlogged })
    return this
  }

  /** HEAD names a branch (`{ ref }`) or a commit (detached); `expected` is the commit HEAD gave before. */
  setHead (to: { ref: string } | { cid: CID }, expected?: Expected): this {
    this.headMove = { to, expected }
    return this
  }

  /** Moves whatever HEAD names (its branch, or HEAD itself when detached) to `cid`, if it is at `expected`. */
  advanceHead (cid: CID, expected?: Expected): this {
    this.advance = { to: cid, expected }
    return this
  }

  commit (): void {
    if (this.committed) fail('BUG', 'a ref transaction was committed twice')
    this.committed = true
    this.store.apply(this.message, this.updates, this.headMove, this.advance)
  }
}
