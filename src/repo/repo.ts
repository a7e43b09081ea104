import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { openBlockStore, initEmbeddedStore, StoreConfig } from '../store/open.js'
import { BlockStore } from '../store/blockstore.js'
import { fail } from '../errors.js'
import { parseCid } from '../util/cid-text.js'
import { Config, defaultConfig, readConfig, saveConfig } from './config.js'
import { readTextIfExists, writeFileAtomic } from '../util/fs.js'
import { acquireLock } from './lock.js'
import { CompleteSet } from './complete.js'
import { validBranchName } from '../model/head.js'
import { acacheHome } from '../util/home.js'
import { REPO_DIR, RepoLayout, findRepository } from './layout.js'
import { Commit, decodeCommit, encodeCommit, dagJsonCid, DAG_JSON } from '../model/commit.js'

export { REPO_DIR } from './layout.js'

export type Head = { ref: string, cid?: CID } | { ref?: undefined, cid: CID }

export interface RefLogEntry { old?: CID, new?: CID, time: string, message: string }

/** Refs whose moves are logged: branches and remote-tracking branches (so a forced update can be undone), as git's core.logAllRefUpdates. */
function logged (ref: string): boolean {
  return ref.startsWith('refs/heads/') || ref.startsWith('refs/remotes/')
}

export class Repo {
  readonly store: BlockStore
  /** where each thing is in the repository's directory */
  readonly layout: RepoLayout
  config: Config
  private readonly commitCache = new Map<string, Commit>()
  private completeSet?: CompleteSet
  /** Directories never scanned nor committed even when inside the working root ($ACACHE_HOME). */
  privateDirs: string[] = [acacheHome()]
  /** the clock the reflog's times are read from (an operation sets its context's: tests give their own) */
  now: () => Date = () => new Date()

  /** `root` is the working root, or undefined for a bare store. */
  /**
   * `store`: how its blocks are read (the store its config names, unless
   * given; `wrap` puts something around that, such as reading what a
   * partial fetch left at a remote).
   */
  constructor (readonly root: string | undefined, readonly dir: string, store?: BlockStore, wrap?: (repo: Repo, store: BlockStore) => BlockStore) {
    this.layout = new RepoLayout(dir)
    this.config = Repo.readConfig(dir)
    const own = store ?? openBlockStore(this.config.store, this.layout)
    this.store = wrap === undefined ? own : wrap(this, own)
  }

  get worktree (): string {
    if (this.root === undefined) fail('USAGE', `${this.dir} is a bare store: it has no working root`)
    return this.root
  }

  /** The repository's settings (repo/config.ts). */
  static readConfig (dir: string): Config { return readConfig(dir) }

  saveConfig (): void { saveConfig(this.layout, this.config) }

  /** Finds the repository containing `start` (like git, walking up). */
  static find (start: string, wrap?: (repo: Repo, store: BlockStore) => BlockStore): Repo {
    if (!fs.existsSync(path.resolve(start))) fail('NOT_A_REPOSITORY', `${start} does not exist`)
    for (let from = path.resolve(start); ;) {
      const found = findRepository(from)
      if (found === undefined) break
      if (found.root !== undefined) return new Repo(found.root, found.dir, undefined, wrap)
      if (Repo.readConfig(found.dir).bare) return new Repo(undefined, found.dir, undefined, wrap)
      // a directory that looks like a bare store but is not one: keep looking above it
      if (path.dirname(found.dir) === found.dir) break
      from = path.dirname(found.dir)
    }
    return fail('NOT_A_REPOSITORY', `not an acache repository (or any parent up to /): ${path.resolve(start)}`, {
      hint: 'run `acache init` to make one here'
    })
  }

  static init (target: string, opts: { bare?: boolean, branch?: string, config?: Partial<Config> } = {}): Repo {
    const root = path.resolve(target)
    const dir = opts.bare === true ? root : path.join(root, REPO_DIR)
    const layout = new RepoLayout(dir)
    if (fs.existsSync(layout.config)) {
      fail('EXISTS', `${root} is already an acache repository`)
    }
    fs.mkdirSync(dir, { recursive: true })
    for (const sub of [layout.ref('refs/heads'), layout.ref('refs/remotes'), layout.hook()]) fs.mkdirSync(sub, { recursive: true })
    // a new repository packs its small blocks unless told otherwise (an older one keeps flatfs)
    const storeConfig: StoreConfig = opts.config?.store ?? { type: 'embedded', layout: 'packed' }
    // (a Kubo-backed repository has the directory too, empty: what was there before, and where staging lands)
    initEmbeddedStore(layout.blocks, storeConfig.type === 'embedded' ? storeConfig.layout ?? 'flatfs' : 'flatfs')
    const branch = opts.branch ?? 'main'
    checkBranchName(branch)
    writeFileAtomic(layout.head, `ref: refs/heads/${branch}\n`)
    writeFileAtomic(layout.config, JSON.stringify({ ...defaultConfig(opts.bare === true), ...opts.config, store: storeConfig }, null, 2) + '\n')
    return new Repo(opts.bare === true ? undefined : root, dir)
  }

  lock (): () => void {
    return acquireLock(this.layout.lock)
  }

  // ------------------------------------------------------------- refs

  readHead (): Head {
    const text = readTextIfExists(this.layout.head)?.trim()
    if (text === undefined || text === '') fail('NOT_A_REPOSITORY', `${this.layout.head} is missing`)
    if (text.startsWith('ref: ')) {
      const ref = text.slice(5)
      return { ref, cid: this.readRef(ref) }
    }
    return { cid: parseCid(text, 'HEAD') }
  }

  headCommit (): CID | undefined {
    return this.readHead().cid
  }

  currentBranch (): string | undefined {
    const h = this.readHead()
    return h.ref?.startsWith('refs/heads/') === true ? h.ref.slice('refs/heads/'.length) : undefined
  }

  setHead (target: { ref: string } | { cid: CID }, why = this.why): void {
    const before = this.readHeadOrUndefined()?.cid
    const text = 'ref' in target ? `ref: ${target.ref}\n` : `${target.cid.toString()}\n`
    writeFileAtomic(this.layout.head, text)
    const after = 'ref' in target ? this.readRef(target.ref) : target.cid
    this.logRef('HEAD', before, after, why)
  }

  /** Moves whatever HEAD names (the branch, or HEAD itself when detached). */
  advanceHead (cid: CID, why = this.why): void {
    const h = this.readHead()
    if (h.ref !== undefined) this.writeRef(h.ref, cid, why)
    else this.setHead({ cid }, why)
  }

  private readHeadOrUndefined (): Head | undefined {
    try { return this.readHead() } catch { return undefined }
  }

  /**
   * Why refs move now, for the reflog ("commit: fix the parser", "reset:
   * moving to HEAD~1"): set by the operation that moves them.
   */
  why = 'update'

  /**
   * The reflog (git's): every move of HEAD and of each local branch, one
   * JSON line each in .acache/logs/<ref>, oldest first. What a reset, an
   * amend or a deleted branch left behind can be found there (`acache
   * reflog`, HEAD@{1}); gc keeps what it names.
   */
  private logRef (ref: string, old: CID | undefined, now: CID | undefined, why: string): void {
    if (ref !== 'HEAD' && !logged(ref)) return
    if (old !== undefined && now !== undefined && old.equals(now) && ref !== 'HEAD') return
    if (old === undefined && now === undefined) return
    const file = this.layout.log(ref)
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.appendFileSync(file, JSON.stringify({ old: old?.toString() ?? null, new: now?.toString() ?? null, time: this.now().toISOString(), message: why }) + '\n')
    } catch { /* the reflog is a help, never a reason to fail a command */ }
  }

  /** A ref's reflog, newest first; entries of a torn last line are skipped. */
  readRefLog (ref: string): RefLogEntry[] {
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
  refLogs (): string[] {
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

  readRef (ref: string): CID | undefined {
    const text = readTextIfExists(this.layout.ref(ref))
    if (text === undefined) return undefined
    return parseCid(text.trim(), ref)
  }

  writeRef (ref: string, cid: CID, why = this.why): void {
    const file = this.layout.ref(ref)
    const old = logged(ref) ? this.readRef(ref) : undefined
    fs.mkdirSync(path.dirname(file), { recursive: true })
    writeFileAtomic(file, cid.toString() + '\n')
    this.logRef(ref, old, cid, why)
    // the branch HEAD names moved: so did HEAD
    if (ref.startsWith('refs/heads/') && this.currentRef() === ref) this.logRef('HEAD', old, cid, why)
  }

  deleteRef (ref: string, why = this.why): void {
    const old = logged(ref) ? this.readRef(ref) : undefined
    fs.rmSync(this.layout.ref(ref), { force: true })
    this.logRef(ref, old, undefined, why)
  }

  private currentRef (): string | undefined {
    try {
      const text = readTextIfExists(this.layout.head)?.trim()
      return text?.startsWith('ref: ') === true ? text.slice(5) : undefined
    } catch { return undefined }
  }

  /** All refs under a prefix such as `refs/heads`, sorted by name. */
  listRefs (prefix = 'refs'): Array<[string, CID]> {
    const out: Array<[string, CID]> = []
    const walk = (rel: string): void => {
      let names: fs.Dirent[]
      try { names = fs.readdirSync(this.layout.ref(rel), { withFileTypes: true }) } catch { return }
      for (const d of names) {
        if (d.name.startsWith('.')) continue
        const r = rel + '/' + d.name
        if (d.isDirectory()) walk(r)
        else if (d.isFile()) {
          const cid = this.readRef(r)
          if (cid !== undefined) out.push([r, cid])
        }
      }
    }
    walk(prefix)
    return out.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  }

  // ------------------------------------------------------------- objects

  async readCommit (cid: CID): Promise<Commit> {
    const key = cid.toString()
    const hit = this.commitCache.get(key)
    if (hit !== undefined) return hit
    if (cid.code !== DAG_JSON) fail('BAD_OBJECT', `${cid} is not a commit`, { data: { cid: key } })
    const c = decodeCommit(await this.store.get(cid), cid)
    this.commitCache.set(key, c)
    return c
  }

  async writeCommit (c: Commit): Promise<CID> {
    const bytes = encodeCommit(c)
    const cid = dagJsonCid(bytes)
    await this.store.put(cid, bytes)
    return cid
  }

  /** The commits and nodes whose closures are stored and verified (see CompleteSet). */
  complete (): CompleteSet {
    this.completeSet ??= new CompleteSet(this.layout.complete)
    return this.completeSet
  }

  /**
   * The parentless commits this repository set out from: its own first
   * commit, or the history it first took from a friend. Ownership lets only
   * these hold content their signer does not own (they set the rules up).
   */
  knownRoots (): Set<string> {
    const text = readTextIfExists(this.layout.roots) ?? ''
    return new Set(text.split('\n').filter(l => l !== ''))
  }

  hasKnownRoots (): boolean {
    return fs.existsSync(this.layout.roots)
  }

  /** Records roots (`always`: create the file even with none, so the old-repository seeding runs once). */
  addKnownRoots (cids: Iterable<CID>, always = false): void {
    const have = this.knownRoots()
    const fresh = [...cids].map(String).filter(c => !have.has(c))
    if (fresh.length > 0 || always) fs.appendFileSync(this.layout.roots, fresh.map(c => c + '\n').join(''))
  }
}

/** git's check-ref-format rules, roughly (the same rule a friend's head is held to). */
export function checkBranchName (name: string): void {
  if (!validBranchName(name)) fail('USAGE', `${JSON.stringify(name)} is not a valid branch name`)
}

/** A new branch may not be called tags or tags/...: a published head carries tags under that name. */
export function checkNewBranchName (name: string): void {
  checkBranchName(name)
  if (name === 'tags' || name.startsWith('tags/')) fail('USAGE', `${JSON.stringify(name)} is reserved: a published head carries your tags as tags/NAME`, { hint: 'choose another branch name; for a tag, use `acache tag`' })
}
