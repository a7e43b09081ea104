import fs from 'node:fs'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { BlockStore, checkBlock } from '../store/blockstore.js'
import { FsBlockStore } from '../store/fs-blockstore.js'
import { AcacheError, fail } from '../errors.js'
import { Commit, DAG_JSON, commitSignatureValid, decodeCommit } from '../model/commit.js'
import { DAG_PB, RAW, checkName } from '../model/tree.js'

export interface Moved { blocks: number, bytes: number }

export interface Pulled extends Moved {
  /** blocks in the order they may land: every block after all it links to */
  order: CID[]
  /** commits new to us, newest first as found */
  commits: Array<{ cid: CID, commit: Commit }>
}

/** The links of a block, checking on the way what only a block can tell (names, signatures). */
async function linksOf (cid: CID, bytes: Uint8Array, onCommit: (c: Commit) => void): Promise<CID[]> {
  if (cid.code === RAW) return []
  if (cid.code === DAG_JSON) {
    const c = decodeCommit(bytes, cid)
    if (!commitSignatureValid(c)) {
      fail('BAD_SIGNATURE', `commit ${cid} has a signature that does not match its author ${c.author.key}`, { data: { commit: cid.toString() } })
    }
    onCommit(c)
    return [c.tree, ...c.parents]
  }
  if (cid.code !== DAG_PB) fail('BAD_OBJECT', `block ${cid} has an unsupported codec`)
  let node: dagPb.PBNode
  try { node = dagPb.decode(bytes) } catch { return fail('BAD_OBJECT', `block ${cid} is not valid dag-pb`) }
  if (node.Data !== undefined) {
    const { UnixFS } = await import('ipfs-unixfs')
    let u
    try { u = UnixFS.unmarshal(node.Data) } catch { fail('BAD_OBJECT', `block ${cid} is not valid UnixFS`) }
    if (u.type === 'directory') {
      for (const l of node.Links) checkName(l.Name ?? '', `directory ${cid}`)
    } else if (u.type === 'hamt-sharded-directory') {
      const pad = (Number(u.fanout ?? 256n) - 1).toString(16).length
      for (const l of node.Links) if ((l.Name ?? '').length > pad) checkName((l.Name ?? '').slice(pad), `directory ${cid}`)
    }
  }
  return node.Links.map(l => l.Hash)
}

/**
 * Copies into `staging` every block reachable from `roots` that `local`
 * lacks, reading them with `get`, checking each against its CID, every new
 * commit's signature and every directory entry's name. Like git, a block we
 * already have is taken to come with everything below it (blocks only ever
 * land children first), so a second fetch reads only what changed.
 */
export async function pullObjects (local: BlockStore, get: (cid: CID) => Promise<Uint8Array>, roots: CID[], staging: BlockStore, onBlock: (bytes: number) => void = () => {}): Promise<Pulled> {
  const out: Pulled = { blocks: 0, bytes: 0, order: [], commits: [] }
  const seen = new Set<string>()
  const stack: Array<{ cid: CID, children?: CID[] }> = roots.map(cid => ({ cid }))
  while (stack.length > 0) {
    const top = stack[stack.length - 1]
    if (top.children === undefined) {
      const key = top.cid.toString()
      if (seen.has(key) || await local.has(top.cid)) { stack.pop(); continue }
      seen.add(key)
      let bytes: Uint8Array
      try {
        bytes = await get(top.cid)
        checkBlock(top.cid, bytes)
      } catch (err) {
        if (err instanceof AcacheError && err.code === 'CORRUPT_OBJECT') {
          fail('BAD_OBJECT', `the remote sent block ${top.cid} with bytes that do not match its CID`, { data: { cid: key } })
        }
        throw err
      }
      let commit: Commit | undefined
      top.children = await linksOf(top.cid, bytes, (c) => { commit = c })
      if (commit !== undefined) out.commits.push({ cid: top.cid, commit })
      await staging.put(top.cid, bytes)
      out.blocks++
      out.bytes += bytes.byteLength
      onBlock(bytes.byteLength)
      for (const c of top.children) stack.push({ cid: c })
      continue
    }
    stack.pop()
    out.order.push(top.cid)
  }
  return out
}

/** Moves staged blocks into the store, children first, so a partial move still keeps the closure rule. */
export async function landBlocks (order: CID[], staging: BlockStore, store: BlockStore): Promise<void> {
  const renameable = staging instanceof FsBlockStore && store instanceof FsBlockStore
  for (const cid of order) {
    if (await store.has(cid)) continue
    if (renameable) {
      const to = (store as FsBlockStore).pathOf(cid)
      fs.mkdirSync(to.slice(0, to.lastIndexOf('/')), { recursive: true })
      fs.renameSync((staging as FsBlockStore).pathOf(cid), to)
    } else {
      await store.put(cid, await staging.get(cid))
    }
  }
}

/**
 * Sends the remote every block reachable from `roots` that it lacks,
 * children before parents (so the remote's closure rule holds even if we
 * are killed half way).
 */
export async function pushObjects (local: BlockStore, has: (cid: CID) => Promise<boolean>, put: (cid: CID, bytes: Uint8Array) => Promise<void>, roots: CID[], onBlock: (bytes: number) => void = () => {}): Promise<Moved> {
  const out: Moved = { blocks: 0, bytes: 0 }
  const seen = new Set<string>()
  const stack: Array<{ cid: CID, bytes?: Uint8Array, children?: CID[] }> = roots.map(cid => ({ cid }))
  while (stack.length > 0) {
    const top = stack[stack.length - 1]
    if (top.children === undefined) {
      const key = top.cid.toString()
      if (seen.has(key) || await has(top.cid)) { stack.pop(); continue }
      seen.add(key)
      top.bytes = await local.get(top.cid)
      top.children = await linksOf(top.cid, top.bytes, () => {})
      for (const c of top.children) stack.push({ cid: c })
      continue
    }
    stack.pop()
    await put(top.cid, top.bytes!)
    out.blocks++
    out.bytes += top.bytes!.byteLength
    onBlock(top.bytes!.byteLength)
  }
  return out
}
