import fs from 'node:fs'
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { ABSENT, Repo, checkBranchName } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { requireIdentity, Identity } from '../identity/identity.js'
import { OwnershipChecker, failOwnership } from '../services/ownership.js'
import { OWNERS_FILE } from '../model/owners.js'
import { admitDirectoryNames } from '../accept/arrival.js'
import { signCommit, GitQuirk } from '../model/commit.js'
import { checkName, entryOf, joinPath, writeDirectory, symlinkBlock, encodeDirectoryLink, directoryFromLinks, pbCid, SHARD_THRESHOLD, Node, Kind } from '../model/tree.js'
import { storeBytes, PROFILE_LAYOUT } from '../model/file.js'
import { ChunkerName } from '../model/chunker.js'
import { parseGitCommit, parseGitTree, parseGitTag, parseLfsPointer, gitMessageText, gitTreeOffsets, findGitTreeEntry, GitTreeEntry, GitCommitInfo } from '../model/git.js'
import { GitBatch, resolveGitDir, listGitRefs, gitCommitsToImport, lfsObjectPath, GitRef } from '../remote/git.js'
import { GitMap, saveGitTag } from '../repo/git-map.js'
import { parseAttributes, chunkerIn, ATTRIBUTES_FILE } from '../worktree/attributes.js'
import { trace } from '../util/trace.js'

export interface ImportOptions {
  /** branch names to import (all when none) */
  branches?: string[]
  /** import tags too */
  tags?: boolean
  /** keep git-lfs pointer files as they are, never their content */
  lfsPointers?: boolean
  /** move an acache branch that has commits of its own (not from this import) */
  force?: boolean
}

export interface ImportedRef { ref: string, git: string, commit: string, old?: string, annotated?: boolean }

export interface ImportResult {
  gitDir: string
  commits: number
  skipped: number
  refs: ImportedRef[]
  /** submodules (gitlinks) seen: recorded in the commit's git origin, not checked out */
  submodules: string[]
  /** files stored from their git-lfs objects (and pointers whose objects were not here) */
  lfs: { stored: number, missing: string[] }
  /** refs that name no commit (a tag of a tree or a blob), left out */
  leftOut: string[]
  /** the commit checked out into an empty working root (its branch was unborn) */
  checkedOut?: string
}

interface Converted { node: Node, quirks: GitQuirk[], entry: Node & { kind: Kind } }

/** A converted tree as Converter.changedTree reuses it: the git bytes, each entry's end and NUL and conversion, the entries in name-byte order, each one's link length, and the directory node's bytes. */
interface TreeShape { raw: Buffer, ends: number[], nuls: number[], kids: Array<Node & { kind: Kind }>, order: number[], lens: number[], bytes: Uint8Array }

/**
 * `import git [GITDIR]`: every commit reachable from the chosen branches
 * (and tags) becomes a signed acache commit with the same tree and the same
 * parents, in git's order; the git object itself is kept in the commit, so
 * `export git` gives back the same IDs. What was imported before (the map
 * in .acache/git/map) is not imported again.
 */
export async function importGit (repo: Repo, ctx: Ctx, source: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const head = repo.root === undefined ? undefined : repo.refs.head()
  // an unborn branch the import fills is checked out (untracked files in the way stop it, as switch does)
  const unborn = head?.ref?.startsWith('refs/heads/') === true && head.cid === undefined ? head.ref : undefined
  const result = await importLocked(repo, ctx, source, opts, unborn)
  const born = result.refs.find(r => r.ref === unborn)
  if (born !== undefined) {
    // checked out first, the branch made after: a checkout that stops leaves the branch unborn
    const release = repo.lock()
    try {
      const cid = CID.parse(born.commit)
      const { checkoutTree } = await import('../worktree/checkout.js')
      const r = await checkoutTree(repo, undefined, (await repo.readCommit(cid)).tree, false, 'move them aside, then import again')
      repo.refs.transaction(`import: from git ${result.gitDir}`).set(born.ref, cid, ABSENT).commit()
      r.cache.save(repo)
      result.checkedOut = born.commit
    } finally {
      release()
    }
  }
  return result
}

async function importLocked (repo: Repo, ctx: Ctx, source: string, opts: ImportOptions, unborn: string | undefined): Promise<ImportResult> {
  const gitDir = resolveGitDir(source)
  const release = repo.lock()
  const imp = new GitImporter(repo, ctx, gitDir, opts)
  try {
    const tips = await imp.resolve(chooseRefs(gitDir, opts))
    await imp.importReachable([...tips.values()].map(t => t.commit))
    const { map, result } = imp
    const tx = repo.refs.transaction(`import: from git ${gitDir}`)
    for (const [name, t] of tips) {
      const cid = map.commits.get(t.commit)!
      const short = name.replace(/^refs\/(heads|tags)\//, '')
      const ref = name.startsWith('refs/tags/') ? `refs/tags/${short}` : `refs/heads/${short}`
      checkBranchName(short)
      const old = repo.refs.read(ref)
      if (old !== undefined && !old.equals(cid) && opts.force !== true && !(await importedBefore(map, repo, old, cid))) {
        fail('EXISTS', `${ref.replace('refs/heads/', 'branch ').replace('refs/tags/', 'tag ')} already exists here and holds commits the git ${short} does not`, { hint: 'import with --force to move it, or name the branches to import with --branches' })
      }
      if (ref !== unborn) tx.set(ref, cid, old ?? ABSENT)
      if (t.tag !== undefined) saveGitTag(repo, short, t.tag.id, t.tag.body)
      result.refs.push({ ref, git: t.commit, commit: cid.toString(), old: old?.equals(cid) === false ? old.toString() : undefined, annotated: t.tag !== undefined ? true : undefined })
    }
    await repo.store.settle([...tips.values()].map(t => map.commits.get(t.commit)!))
    tx.commit()
    return result
  } finally {
    imp.close()
    release()
  }
}

export interface GitTip { commit: string, tag?: { id: string, body: Buffer } }

/**
 * Imports git commits into a repository (whose lock the caller holds):
 * resolve refs to the commits they name, then import what is reachable
 * from them and not imported before, parents first. Each commit is signed
 * by the importer and checked against the ownership rules in force, as a
 * commit made here is.
 */
export class GitImporter {
  readonly map: GitMap
  readonly git: GitBatch
  readonly result: ImportResult
  private readonly conv: Converter
  private readonly id: Identity

  constructor (private readonly repo: Repo, private readonly ctx: Ctx, readonly gitDir: string, opts: ImportOptions = {}) {
    this.id = requireIdentity(ctx.home)
    this.map = new GitMap(repo)
    this.git = new GitBatch(gitDir)
    this.result = { gitDir, commits: 0, skipped: 0, refs: [], submodules: [], lfs: { stored: 0, missing: [] }, leftOut: [] }
    this.conv = new Converter(repo, this.git, this.map, gitDir, opts.lfsPointers === true, this.result)
  }

  close (): void {
    this.git.close()
    this.map.close()
    this.result.submodules = [...new Set(this.result.submodules)].sort()
  }

  /** What each ref names, an annotated tag peeled to its commit; refs to trees or blobs are left out (and listed). */
  async resolve (refs: Array<{ name: string, id: string }>): Promise<Map<string, GitTip>> {
    const tips = new Map<string, GitTip>()
    for (const r of refs) {
      let obj = r.id
      let tag: { id: string, body: Buffer } | undefined
      for (let depth = 0; depth < 8; depth++) {
        const o = await this.git.get(obj)
        if (o === undefined) fail('MISSING_OBJECT', `${r.name} names ${obj}, which ${this.gitDir} does not have`)
        if (o.type !== 'tag') break
        tag ??= { id: obj, body: o.body }
        obj = parseGitTag(o.body, obj).object
      }
      const t = (await this.git.get(obj))?.type
      if (t !== 'commit') { this.result.leftOut.push(`${r.name} (a ${t ?? 'missing object'})`); continue }
      tips.set(r.name, { commit: obj, tag })
    }
    return tips
  }

  /** Imports every commit reachable from `tips` that is not imported yet. */
  async importReachable (tips: string[]): Promise<void> {
    const { map, result, git, ctx, repo, id } = this
    trace('git: map read')
    // the map is a memory, not the truth: what gc took since is imported again
    for (const [g, c] of [...map.commits]) if (!(await repo.store.has(c))) map.commits.delete(g)
    trace('git: map checked')
    const todo = gitCommitsToImport(this.gitDir, [...new Set(tips)], map.commits.keys())
    trace(`git: ${todo.length} commits to import`)
    const owners = new OwnershipChecker(repo.store)
    // which imported commits' root trees hold .acacheowners (its blob ID, '' for none): with none
    // in the commit and its parents there is nothing to check, as OwnershipChecker itself concludes
    const ownersFile = new Map<string, string>()
    // the next commits are read and their trees converted ahead of their turn (git answers, and
    // blocks are written, while this one is checked and signed); each is signed in order
    interface Prepared { body: Buffer, info: GitCommitInfo, tree: Node, quirks: GitQuirk[], owners: string }
    const prepare = async (gid: string): Promise<Prepared> => {
      const body = await git.read(gid, 'commit', 'a commit')
      const info = parseGitCommit(body, gid)
      const quirks: GitQuirk[] = []
      const root = await git.read(info.tree, 'tree', 'the tree of the root')
      const chunker = await this.conv.chunkerOf(findGitTreeEntry(root, ATTRIBUTES_FILE, info.tree))
      const tree = await this.conv.tree(info.tree, '', chunker, quirks, gid, root)
      return { body, info, tree, quirks, owners: findGitTreeEntry(root, OWNERS_FILE, info.tree)?.id ?? '' }
    }
    const ahead = new Map<string, Promise<Prepared>>()
    const AHEAD = 8
    ctx.progress.start('importing commits', todo.length, 'commits')
    for (const [i, gid] of todo.entries()) {
      if (map.commits.has(gid)) { result.skipped++; ctx.progress.tick(); continue }
      for (let j = i; j < Math.min(todo.length, i + AHEAD); j++) {
        if (ahead.has(todo[j]) || map.commits.has(todo[j])) continue
        const p = prepare(todo[j])
        p.catch(() => {}) // a later commit's failure is reported when its turn comes
        ahead.set(todo[j], p)
      }
      const { body, info, tree, quirks, owners: ownersBlob } = await ahead.get(gid)!
      ahead.delete(gid)
      const parents = info.parents.map(p => {
        const c = map.commits.get(p)
        if (c === undefined) fail('MISSING_OBJECT', `git commit ${gid}'s parent ${p} was not imported (a shallow repository?)`, { hint: 'import from a full clone: git fetch --unshallow' })
        return c
      })
      ownersFile.set(gid, ownersBlob)
      const plain = ownersFile.get(gid) === '' && info.parents.every(p => ownersFile.get(p) === '')
      if (parents.length > 0 && !plain) {
        const violations = await owners.check(tree.cid, parents, id.key, `git ${gid.slice(0, 12)}`)
        if (violations.length > 0) failOwnership(violations)
      }
      const time = new Date((info.committer?.when ?? 0) * 1000)
      const { bytes, cid } = signCommit({
        type: 'acache/commit',
        version: 1,
        tree: tree.cid,
        parents,
        author: { key: id.key, name: id.name },
        time: Number.isNaN(time.getTime()) ? new Date(0).toISOString() : time.toISOString(),
        message: gitMessageText(info),
        git: quirks.length > 0 ? { id: gid, object: body, quirks } : { id: gid, object: body }
      }, id.secretKey)
      await repo.store.put(cid, bytes)
      if (parents.length === 0) repo.addKnownRoots([cid])
      map.noteCommit(gid, cid)
      result.commits++
      if (result.commits % 256 === 0) { map.flush(); this.conv.trim() }
      ctx.progress.tick()
    }
    ctx.progress.done()
    map.flush()
    trace('git: commits imported')
  }
}

/** Whether `old` is an ancestor of `cid` by the map's commits (an earlier import of the same branch). */
async function importedBefore (map: GitMap, repo: Repo, old: CID, cid: CID): Promise<boolean> {
  if (!map.commitIds.has(old.toString())) return false
  const seen = new Set<string>()
  const stack = [cid]
  while (stack.length > 0) {
    const c = stack.pop()!
    const k = c.toString()
    if (k === old.toString()) return true
    if (seen.has(k)) continue
    seen.add(k)
    stack.push(...(await repo.readCommit(c)).parents)
  }
  return false
}

function chooseRefs (gitDir: string, opts: ImportOptions): GitRef[] {
  const heads = listGitRefs(gitDir, ['refs/heads'])
  let chosen = heads
  if (opts.branches !== undefined && opts.branches.length > 0) {
    chosen = []
    for (const b of opts.branches) {
      const r = heads.find(h => h.name === `refs/heads/${b}`)
      if (r === undefined) fail('UNKNOWN_REVISION', `${gitDir} has no branch ${b}`, { hint: `its branches: ${heads.map(h => h.name.slice(11)).join(', ') || '(none)'}` })
      chosen.push(r)
    }
  }
  if (opts.tags === true) chosen = [...chosen, ...listGitRefs(gitDir, ['refs/tags'])]
  if (chosen.length === 0) fail('UNKNOWN_REVISION', `${gitDir} has no branches to import`)
  return chosen
}

/** How many converted trees, and blobs, the Converter keeps as objects. */
const MEMO_ENTRIES = 4096

/** git trees and blobs to acache trees and files, each converted once. */
class Converter {
  private readonly treeMemo = new Map<string, Converted>()
  constructor (private readonly repo: Repo, private readonly git: GitBatch, private readonly map: GitMap, private readonly gitDir: string, private readonly keepPointers: boolean, private readonly result: ImportResult) {}

  /** names the tree-entry rule allowed already (the rule depends on the name alone) */
  private readonly allowedNames = new Set<string>()
  /**
   * The last tree converted at each path (per chunker), kept as its
   * entries' offsets, conversions and link bytes: the next version of that
   * directory, the same names with a few entries changed, converts only
   * those and joins the rest's link bytes again.
   */
  private readonly shapes = new Map<string, TreeShape>()

  /**
   * Forgets conversions past a few thousand: the map holds them all (as
   * text, parsed again when asked), so what is forgotten is found there;
   * held as objects they were a fifth of an import's memory.
   */
  trim (): void {
    if (this.treeMemo.size > MEMO_ENTRIES) this.treeMemo.clear()
    if (this.blobDone.size > MEMO_ENTRIES) this.blobDone.clear()
  }

  /** The chunker a root tree's own .acacheattributes names. */
  async chunkerOf (a: GitTreeEntry | undefined): Promise<ChunkerName> {
    if (a === undefined || !a.mode.startsWith('100')) return 'fixed'
    const body = await this.git.read(a.id, 'blob', ATTRIBUTES_FILE)
    try { return chunkerIn(parseAttributes(body.subarray(0, 65536).toString('utf8'))) } catch { return 'fixed' }
  }

  /**
   * A git tree as an acache tree. `quirks` gets what the acache tree cannot
   * hold (submodules, odd modes), in the tree's own order whatever order the
   * conversions finish in: they are part of the commit, so of its CID.
   */
  async tree (treeId: string, dir: string, chunker: ChunkerName, quirks: GitQuirk[], commit: string, raw?: Buffer): Promise<Node> {
    const key = chunker === 'fixed' ? treeId : `${treeId} ${chunker}`
    const memo = this.treeMemo.get(key)
    if (memo !== undefined) {
      for (const q of memo.quirks) quirks.push({ ...q, path: joinPath(dir, q.path) })
      return memo.node
    }
    if (chunker === 'fixed') {
      const known = this.map.trees.get(treeId)
      if (known !== undefined && await this.repo.store.has(known.cid)) return known
    }
    raw ??= await this.git.read(treeId, 'tree', `the tree of ${dir === '' ? 'the root' : dir}`)
    const at = `${chunker} ${dir}`
    const before = this.shapes.get(at)
    let node = before === undefined ? undefined : await this.changedTree(raw, treeId, before, dir, chunker, commit, at)
    const own: GitQuirk[] = []
    node ??= await this.wholeTree(raw, treeId, dir, chunker, own, commit, at)
    const rel = own.map(q => ({ ...q, path: dir === '' ? q.path : q.path.slice(dir.length + 1) }))
    this.treeMemo.set(key, { node, quirks: rel, entry: entryOf(node, 'dir') })
    if (own.length === 0 && chunker === 'fixed') this.map.noteTree(treeId, node)
    quirks.push(...own)
    return node
  }

  /** A tree read whole: every entry checked by admitGitTree, and converted unless converted before. */
  private async wholeTree (raw: Buffer, treeId: string, dir: string, chunker: ChunkerName, own: GitQuirk[], commit: string, at: string): Promise<Node> {
    const entries = parseGitTree(raw, treeId)
    admitGitTree(entries, dir, commit, this.allowedNames)
    const kids: Array<(Node & { kind: Kind }) | undefined> = entries.map(e => this.known(e, chunker))
    const each: GitQuirk[][] = entries.map(() => [])
    // what was converted before is taken at once; only the rest waits
    await Promise.all(entries.map(async (e, i) => { if (kids[i] === undefined) kids[i] = await this.entry(e, dir, chunker, each[i], commit) }))
    own.push(...each.flat())
    if (own.length === 0) {
      const { ends, nuls } = gitTreeOffsets(raw, treeId)
      const names = ends.map((_, k) => raw.subarray(raw.indexOf(0x20, k === 0 ? 0 : ends[k - 1]) + 1, nuls[k]))
      const order = names.map((_, k) => k).sort((a, b) => Buffer.compare(names[a], names[b]) || a - b)
      const links = kids.map((n, k) => encodeDirectoryLink(names[k], n!.cid.bytes, n!.tsize))
      const node = await this.putShape({ raw, ends, nuls, order, kids: kids as Array<Node & { kind: Kind }>, lens: links.map(l => l.byteLength) }, directoryFromLinks(order.map(k => links[k])), at)
      if (node !== undefined) return node
    }
    const byName = new Map<string, Node & { kind: Kind }>()
    for (const [i, e] of entries.entries()) if (kids[i] !== undefined) byName.set(e.name, kids[i]!)
    return await writeDirectory(this.repo.store, byName)
  }

  /**
   * A tree whose entries have the names of `before`'s, in the same order:
   * entries of the same bytes are taken as they were, the others checked
   * and converted, and the directory node is `before`'s bytes with those
   * links replaced. Undefined when the names differ, or a changed entry
   * brings a quirk or a shard: the tree is then read whole.
   */
  private async changedTree (raw: Buffer, treeId: string, before: TreeShape, dir: string, chunker: ChunkerName, commit: string, at: string): Promise<Node | undefined> {
    const diff = changedEntries(raw, before, treeId)
    if (diff === undefined) return undefined
    const { ends, nuls, changed } = diff
    const kids = before.kids.slice()
    const links = new Map<number, Uint8Array>()
    let plain = true
    await Promise.all(changed.map(async k => {
      const start = k === 0 ? 0 : ends[k - 1]
      const e = parseGitTree(raw.subarray(start, ends[k]), treeId)[0]
      admitGitTree([e], dir, commit, this.allowedNames)
      const q: GitQuirk[] = []
      const n = this.known(e, chunker) ?? await this.entry(e, dir, chunker, q, commit)
      if (n === undefined || q.length > 0) { plain = false; return }
      kids[k] = n
      links.set(k, encodeDirectoryLink(raw.subarray(raw.indexOf(0x20, start) + 1, nuls[k]), n.cid.bytes, n.tsize))
    }))
    if (!plain) return undefined
    // the old node's bytes between the changed links are copied as they are
    const lens = before.lens.slice()
    let total = before.bytes.byteLength
    for (const [k, l] of links) { total += l.byteLength - lens[k]; lens[k] = l.byteLength }
    const bytes = Buffer.allocUnsafe(total) // every byte written below
    let src = 0
    let dst = 0
    let from = 0
    for (const k of before.order) {
      const l = links.get(k)
      src += before.lens[k]
      if (l === undefined) continue
      // the unchanged links before this one go in one copy
      bytes.set(before.bytes.subarray(from, src - before.lens[k]), dst)
      dst += src - before.lens[k] - from
      bytes.set(l, dst)
      dst += l.byteLength
      from = src
    }
    bytes.set(before.bytes.subarray(from), dst) // the rest, and the Data field
    return await this.putShape({ raw, ends, nuls, order: before.order, kids, lens }, bytes, at)
  }

  /** A shape's directory node, stored and kept for the next version at its path; undefined when it is too large for one block (a HAMT is written instead). */
  private async putShape (shape: Omit<TreeShape, 'bytes'>, bytes: Uint8Array, at: string): Promise<Node | undefined> {
    if (bytes.byteLength > SHARD_THRESHOLD) return undefined
    let tsize = bytes.byteLength
    for (const n of shape.kids) tsize += n.tsize
    const cid = pbCid(bytes)
    await this.repo.store.put(cid, bytes)
    if (this.shapes.size >= 20_000 && !this.shapes.has(at)) this.shapes.clear()
    this.shapes.set(at, { ...shape, bytes })
    return { cid, tsize }
  }

  /** An entry converted before (a plain file, link or a directory without quirks), without waiting. */
  private known (e: GitTreeEntry, chunker: ChunkerName): (Node & { kind: Kind }) | undefined {
    if (e.mode === '40000') {
      const m = this.treeMemo.get(chunker === 'fixed' ? e.id : `${e.id} ${chunker}`)
      return m !== undefined && m.quirks.length === 0 ? m.entry : undefined
    }
    const kind = e.mode === '100644' ? 'f' : e.mode === '100755' ? 'x' : e.mode === '120000' ? 'l' : undefined
    return kind === undefined ? undefined : this.blobDone.get(e.id)?.[chunker === 'fixed' ? kind : `${kind}.${chunker}`]
  }

  private async entry (e: GitTreeEntry, dir: string, chunker: ChunkerName, quirks: GitQuirk[], commit: string): Promise<(Node & { kind: Kind }) | undefined> {
    const p = joinPath(dir, e.name)
    if (e.mode === '40000') return { ...(await this.tree(e.id, p, chunker, quirks, commit)), kind: 'dir' }
    if (e.mode === '160000') {
      quirks.push({ path: p, mode: e.mode, id: e.id })
      this.result.submodules.push(p)
      return undefined
    }
    const mode = parseInt(e.mode, 8)
    if (e.mode === '120000') return entryOf(await this.blob(e.id, 'l', chunker, p), 'symlink')
    const exec = (mode & 0o111) !== 0
    if (e.mode !== '100644' && e.mode !== '100755') quirks.push({ path: p, mode: e.mode, id: e.id })
    const node = await this.blob(e.id, exec ? 'x' : 'f', chunker, p)
    return entryOf(node, exec ? 'exec' : 'file')
  }

  private blobKey (gid: string, kind: string, chunker: ChunkerName): string {
    return `${gid} ${kind} ${chunker}`
  }

  /** blobs converted: git ID -> (kind, with the chunker unless fixed) -> the tree entry, ready to use */
  private readonly blobDone = new Map<string, Record<string, Node & { kind: Kind }>>()
  private readonly blobMemo = new Map<string, Promise<Node>>()

  private async blob (gid: string, kind: 'f' | 'x' | 'l', chunker: ChunkerName, p: string): Promise<Node> {
    const key = this.blobKey(gid, kind, chunker)
    const sub = chunker === 'fixed' ? kind : `${kind}.${chunker}`
    const done = this.blobDone.get(gid)?.[sub]
    if (done !== undefined) return done
    let got = this.blobMemo.get(key)
    if (got === undefined) {
      got = this.convertBlob(gid, kind, chunker, p).then(n => {
        const kinds = this.blobDone.get(gid) ?? {}
        kinds[sub] = entryOf(n, kind === 'f' ? 'file' : kind === 'x' ? 'exec' : 'symlink')
        this.blobDone.set(gid, kinds)
        this.blobMemo.delete(key) // known from here on by blobDone
        return n
      })
      this.blobMemo.set(key, got)
    }
    return await got
  }

  private async convertBlob (gid: string, kind: 'f' | 'x' | 'l', chunker: ChunkerName, p: string): Promise<Node> {
    // the map's kinds: f x l, p P (an LFS object's content), with ".cdc" for files cut by FastCDC
    const as = (k: string): string => chunker === 'fixed' || k === 'l' ? k : `${k}.${chunker}`
    const pointerKind = kind === 'x' ? 'P' : 'p'
    const known = this.map.blob(gid, as(kind)) ?? (this.keepPointers ? undefined : this.map.blob(gid, as(pointerKind)))
    if (known !== undefined && await this.repo.store.has(known.cid)) return known
    const body = await this.git.read(gid, 'blob', p)
    if (kind === 'l') {
      const { cid, bytes } = await symlinkBlock(body)
      await this.repo.store.put(cid, bytes)
      const node = { cid, tsize: bytes.byteLength }
      this.map.noteBlob(gid, kind, node)
      return node
    }
    const ptr = this.keepPointers ? undefined : parseLfsPointer(body)
    if (ptr !== undefined) {
      const content = readLfsObject(lfsObjectPath(this.gitDir, ptr.oid), ptr.oid, ptr.size)
      if (content !== undefined) {
        const node = await storeBytes(this.repo.store, content, kind === 'x', PROFILE_LAYOUT, chunker)
        this.result.lfs.stored++
        this.map.noteBlob(gid, as(pointerKind), node)
        return node
      }
      this.result.lfs.missing.push(p)
    }
    const node = await storeBytes(this.repo.store, body, kind === 'x', PROFILE_LAYOUT, chunker)
    this.map.noteBlob(gid, as(kind), node)
    return node
  }
}

/**
 * Which entries of the tree `raw` differ from `before`'s, when both have
 * the same names in the same order (undefined otherwise). A tree of the
 * same length is compared in halves, records at a time, so the few
 * changed entries of a large directory are found in a few comparisons;
 * a changed entry whose mode and name keep their places leaves every
 * entry where it was.
 */
function changedEntries (raw: Buffer, before: TreeShape, treeId: string): { ends: number[], nuls: number[], changed: number[] } | undefined {
  const old = before.raw
  const startOf = (ends: number[], k: number): number => k === 0 ? 0 : ends[k - 1]
  if (raw.byteLength === old.byteLength) {
    const changed: number[] = []
    const differ = (lo: number, hi: number): void => {
      const a = startOf(before.ends, lo)
      const b = before.ends[hi - 1]
      if (raw.compare(old, a, b, a, b) === 0) return
      if (hi - lo === 1) { changed.push(lo); return }
      const mid = (lo + hi) >>> 1
      differ(lo, mid)
      differ(mid, hi)
    }
    if (before.ends.length > 0) differ(0, before.ends.length)
    // each changed entry must be its old mode's length, its old name, in its old place
    const same = changed.every(k => {
      const start = startOf(before.ends, k)
      const sp = old.indexOf(0x20, start)
      return raw.indexOf(0x20, start) === sp && raw.indexOf(0, sp + 1) === before.nuls[k] && raw.compare(old, sp, before.nuls[k], sp, before.nuls[k]) === 0
    })
    if (same) return { ends: before.ends, nuls: before.nuls, changed }
  }
  const { ends, nuls } = gitTreeOffsets(raw, treeId)
  if (ends.length !== before.ends.length) return undefined
  const changed: number[] = []
  for (let k = 0; k < ends.length; k++) {
    const start = startOf(ends, k)
    const was = startOf(before.ends, k)
    if (ends[k] - start === before.ends[k] - was && raw.compare(old, was, before.ends[k], start, ends[k]) === 0) continue
    const sp = raw.indexOf(0x20, start) + 1
    const wasSp = old.indexOf(0x20, was) + 1
    if (nuls[k] - sp !== before.nuls[k] - wasSp || raw.compare(old, wasSp, before.nuls[k], sp, nuls[k]) !== 0) return undefined
    changed.push(k)
  }
  return { ends, nuls, changed }
}

/**
 * What a git tree must be to become an acache tree: each entry a file, an
 * executable, a symlink, a directory or a submodule; each name one the
 * tree-entry rule allows (never .acache or .git in any spelling); no two
 * names one file on a case-insensitive file system. The same rules a tree
 * fetched from a friend meets (accept/rules.ts).
 */
export function admitGitTree (entries: GitTreeEntry[], dir: string, commit: string, allowed?: Set<string>): void {
  for (const e of entries) {
    if (allowed?.has(e.name) === true && /^(40000|100644|100755)$/.test(e.mode)) continue
    const p = joinPath(dir, e.name)
    try {
      checkName(e.name, dir === '' ? 'the root directory' : dir)
    } catch (err) {
      fail('BAD_TREE_ENTRY', `git commit ${commit} has ${JSON.stringify(p)}, which acache cannot record: ${(err as Error).message}`)
    }
    if (!/^(40000|160000|120000|100[0-7]{3})$/.test(e.mode)) fail('BAD_TREE_ENTRY', `git commit ${commit} has ${JSON.stringify(p)} with mode ${e.mode}, which is no file, link, directory or submodule`)
    if (allowed !== undefined && allowed.size < 100_000) allowed.add(e.name)
  }
  admitDirectoryNames(entries.map(e => e.name), `git commit ${commit}'s ${dir === '' ? 'root directory' : JSON.stringify(dir)}`)
}

/** An LFS object's content when it is here and is what its pointer says (its SHA-256 and size). */
function readLfsObject (file: string, oid: string, size: number): Buffer | undefined {
  let st: fs.Stats
  try { st = fs.lstatSync(file) } catch { return undefined }
  if (!st.isFile() || st.size !== size) return undefined
  const bytes = fs.readFileSync(file)
  if (createHash('sha256').update(bytes).digest('hex') !== oid) return undefined
  return bytes
}
