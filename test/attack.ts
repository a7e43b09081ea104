/**
 * The attacker's workbench: objects built outside acache (trees, commits,
 * heads, bundles) written straight into a user's store and published as if
 * acache had done it. Every trust test builds its hostile objects with these.
 */
import fs from 'node:fs'
import path from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { User } from './helpers.js'
import { PackedBlockStore } from '../src/store/packed-blockstore.js'
import { Entry, flattenTree, buildTree, pbCid, rawCid } from '../src/model/tree.js'
import { storeBytes } from '../src/model/file.js'
import { Commit, decodeCommit, signCommit } from '../src/model/commit.js'
import { decodeHead, headFileName, signHead } from '../src/model/head.js'
import { loadIdentity } from '../src/identity/identity.js'

/** A user's store, written as a command would and readable by other processes at once (what a test plants, acache reads next). */
class PlantingStore extends PackedBlockStore {
  override async put (cid: CID, bytes: Uint8Array): Promise<void> {
    await super.put(cid, bytes)
    this.packs.flush()
  }
}
export const storeOf = (u: User): PackedBlockStore => new PlantingStore(path.join(u.work, '.acache', 'blocks'))
export const keyOf = (u: User): string => loadIdentity(u.home)!.key
export const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A file's entry, stored in u's store. */
export async function file (u: User, content: string | Uint8Array): Promise<Entry> {
  return { ...(await storeBytes(storeOf(u), typeof content === 'string' ? enc(content) : content)), kind: 'file' }
}

/** A raw dag-pb directory node (any links, any names), stored in u's store. */
export async function dirNode (u: User, links: Array<{ name: string, cid: CID, tsize?: number }>): Promise<CID> {
  const bytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: links.map(l => ({ Name: l.name, Hash: l.cid, Tsize: l.tsize ?? 1 })) }))
  const cid = pbCid(bytes)
  await storeOf(u).put(cid, bytes)
  return cid
}

/** A tree from a path -> entry map, stored in u's store. */
export async function treeOf (u: User, files: Map<string, Entry>): Promise<CID> {
  return (await buildTree(storeOf(u), { keys: () => files.keys(), get: (p) => files.get(p) })).root.cid
}

/** The files of a commit's tree. */
export async function filesOf (u: User, commit: CID): Promise<Map<string, Entry>> {
  return (await flattenTree(storeOf(u), decodeCommit(await storeOf(u).get(commit)).tree)).files
}

/** A commit signed by `signer` (author field: `author`, default the signer), stored in u's store. */
export async function commitOf (u: User, tree: CID, parents: CID[], signer: User, opts: { author?: User, name?: string, message?: string } = {}): Promise<{ cid: CID, bytes: Uint8Array, commit: Commit }> {
  const sid = loadIdentity(signer.home)!
  const aid = loadIdentity((opts.author ?? signer).home)!
  const r = signCommit({ type: 'acache/commit', version: 1, tree, parents, author: { key: aid.key, name: opts.name ?? aid.name }, time: new Date().toISOString(), message: opts.message ?? 'crafted' }, sid.secretKey)
  await storeOf(u).put(r.cid, r.bytes)
  return r
}

/** A commit on top of `parents[0]`'s tree with `changes` (path -> content, null deletes). */
export async function craft (u: User, parents: CID[], changes: Record<string, string | Uint8Array | null>, signer: User, base?: CID): Promise<CID> {
  const files = base === undefined && parents.length === 0 ? new Map<string, Entry>() : await filesOf(u, base ?? parents[0])
  for (const [p, v] of Object.entries(changes)) {
    if (v === null) files.delete(p)
    else files.set(p, await file(u, v))
  }
  return (await commitOf(u, await treeOf(u, files), parents, signer)).cid
}

export function setBranch (u: User, cid: CID, branch = 'main'): void {
  const f = path.join(u.work, '.acache', 'refs', 'heads', branch)
  fs.mkdirSync(path.dirname(f), { recursive: true })
  fs.writeFileSync(f, cid.toString() + '\n')
}

/** Publishes a signed head naming `heads` in u's repository (as `acache push` would), the next seq. */
export function publish (u: User, heads: Record<string, CID>): { cid: CID, bytes: Uint8Array } {
  const id = loadIdentity(u.home)!
  const file = path.join(u.work, '.acache', 'published', headFileName(id.key))
  let seq = 1
  try { seq = decodeHead(fs.readFileSync(file)).seq + 1 } catch {}
  const { bytes, cid } = signHead({ type: 'acache/head', version: 1, key: id.key, seq, time: new Date().toISOString(), heads }, id.secretKey)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, bytes)
  const seqFile = path.join(u.home, 'seq.json')
  let all: Record<string, number> = {}
  try { all = JSON.parse(fs.readFileSync(seqFile, 'utf8')) } catch {}
  all[id.key] = Math.max(all[id.key] ?? 0, seq)
  fs.writeFileSync(seqFile, JSON.stringify(all))
  return { cid, bytes }
}

/** What a user's refs and store hold: to show that a refused attack changed nothing. */
export function stateOf (u: User): { refs: string, blocks: number } {
  const refs = u.ok(['branch', '-a', '--json']).stdout
  // every block the store holds: one file each, and the packed ones (each counted once)
  let blocks = 0
  const dir = path.join(u.work, '.acache', 'blocks')
  for (const shard of fs.readdirSync(dir)) {
    if (shard.length !== 2) continue
    blocks += fs.readdirSync(path.join(dir, shard)).filter(n => n.endsWith('.data')).length
  }
  const packed = new Set<string>()
  for (const e of storeOf(u).packs.entries()) packed.add(e.digest.toString('hex'))
  return { refs, blocks: blocks + packed.size }
}

/** Two friends who follow each other through their folders. */
export function friends (a: User, b: User): void {
  b.ok(['remote', 'add', a.name, a.ok(['id', 'export', '--publish', a.work]).stdout.trim()])
  a.ok(['remote', 'add', b.name, b.ok(['id', 'export', '--publish', b.work]).stdout.trim()])
}

export { rawCid, pbCid }

/** Copies every block `root` reaches from one user's store into another's (as if it had been planted there). */
export async function plant (from: User, to: User, root: CID): Promise<void> {
  const { blockLinks } = await import('../src/model/dag.js')
  const seen = new Set<string>()
  const stack = [root]
  while (stack.length > 0) {
    const cid = stack.pop()!
    if (seen.has(cid.toString())) continue
    seen.add(cid.toString())
    const bytes = await storeOf(from).get(cid)
    await storeOf(to).put(cid, bytes)
    stack.push(...blockLinks(cid, bytes))
  }
}
