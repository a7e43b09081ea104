import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { openBlockStore, initEmbeddedStore, StoreConfig } from '../store/open.js'
import { BlockStore } from '../store/blockstore.js'
import { fail } from '../errors.js'
import { Config, defaultConfig, readConfig, saveConfig } from './config.js'
import { readTextIfExists, writeFileAtomic } from '../util/fs.js'
import { RefStore } from './refs.js'
import { acquireLock } from './lock.js'
import { CompleteSet } from './complete.js'
import { validBranchName } from '../model/head.js'
import { acacheHome } from '../util/home.js'
import { REPO_DIR, RepoLayout, findRepository } from './layout.js'
import { Commit, decodeCommit, encodeCommit, dagJsonCid, DAG_JSON } from '../model/commit.js'

export { REPO_DIR } from './layout.js'

export { ABSENT } from './refs.js'
export type { Head, RefLogEntry, Expected } from './refs.js'

export class Repo {
  readonly store: BlockStore
  /** where each thing is in the repository's directory */
  readonly layout: RepoLayout
  config: Config
  private readonly commitCache = new Map<string, Commit>()
  private completeSet?: CompleteSet
  /** Directories never scanned nor committed even when inside the working root ($ACACHE_HOME). */
  privateDirs: string[] = [acacheHome()]
  /** HEAD, the refs and their logs; every move is a transaction (repo/refs.ts) */
  readonly refs: RefStore

  /** `root` is the working root, or undefined for a bare store. */
  /**
   * `store`: how its blocks are read (the store its config names, unless
   * given; `wrap` puts something around that, such as reading what a
   * partial fetch left at a remote).
   */
  constructor (readonly root: string | undefined, readonly dir: string, store?: BlockStore, wrap?: (repo: Repo, store: BlockStore) => BlockStore) {
    this.layout = new RepoLayout(dir)
    this.refs = new RefStore(this.layout)
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
