import * as dagPb from '@ipld/dag-pb'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { fail } from '../errors.js'
import { DAG_PB, RAW } from './tree.js'
import { DAG_JSON } from './commit.js'

/**
 * The links of a block, read the way its CID's codec says. The same bytes
 * can stand under two CIDs (a file whose bytes are a commit's): a raw block
 * has no links whatever its bytes look like, so every walk must go by the
 * CID it followed, never by the bytes or the hash alone.
 */
export function blockLinks (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === RAW) return []
  if (cid.code === DAG_PB) {
    try { return dagPb.decode(bytes).Links.map(l => l.Hash) } catch { return fail('BAD_OBJECT', `block ${cid} is not valid dag-pb`, { data: { cid: cid.toString() } }) }
  }
  if (cid.code === DAG_JSON) {
    let value: unknown
    try { value = dagJson.decode(bytes) } catch { return fail('BAD_OBJECT', `block ${cid} is not valid dag-json`, { data: { cid: cid.toString() } }) }
    const out: CID[] = []
    const walk = (v: unknown): void => {
      const c = CID.asCID(v)
      if (c !== null) { out.push(c); return }
      if (Array.isArray(v)) v.forEach(walk)
      else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) Object.values(v).forEach(walk)
    }
    walk(value)
    return out
  }
  return fail('BAD_OBJECT', `block ${cid} has an unsupported codec 0x${cid.code.toString(16)}`, { data: { cid: cid.toString() } })
}

/** A CID as a key that tells codecs apart (a Set of these is a set of blocks *as read*). */
export const cidKey = (cid: CID): string => cid.toString()

/** A block as a walk reaches it: its CID and how it was reached (`via`: a commit's depth, a path...). */
export interface Reached<T> { cid: CID, via: T }

export interface DagWalk<T> {
  roots: Array<Reached<T>>
  /** The block's bytes, or undefined to go no further from it (present already, missing, refused). */
  read: (r: Reached<T>) => Promise<Uint8Array | undefined>
  /** Where it leads, each with how it is reached. Default: every link its codec names, reached as it was. */
  links?: (r: Reached<T>, bytes: Uint8Array) => Promise<Array<Reached<T>>> | Array<Reached<T>>
  /** 'parents' (default): each block before what it links to (a CAR in DFS order); 'children': after it (the order blocks may land in). */
  first?: 'parents' | 'children'
  /** The blocks next in line, nearest first (to ask for them ahead of their turn). */
  upcoming?: (next: Array<Reached<T>>) => void
}

/**
 * The one walk of a DAG: depth first, each CID (codec included) visited
 * once however often it is linked, so the work follows distinct blocks, not
 * paths (a DAG bomb costs its blocks); the first way a block is reached is
 * the one it is walked with. gc, verify, serve's CARs, push and fetch walk
 * with it; what differs is what they read and where links lead.
 */
export async function * walkDag<T> (w: DagWalk<T>): AsyncGenerator<Reached<T> & { bytes: Uint8Array }> {
  const links = w.links ?? ((r: Reached<T>, bytes: Uint8Array) => blockLinks(r.cid, bytes).map(cid => ({ cid, via: r.via })))
  const childrenFirst = w.first === 'children'
  const seen = new Set<string>()
  const stack: Array<{ r: Reached<T>, bytes?: Uint8Array }> = [...w.roots].reverse().map(r => ({ r }))
  while (stack.length > 0) {
    if (w.upcoming !== undefined) {
      const next: Array<Reached<T>> = []
      for (let i = stack.length - 1; i >= 0 && next.length < 32; i--) if (stack[i].bytes === undefined) next.push(stack[i].r)
      w.upcoming(next)
    }
    const top = stack[stack.length - 1]
    if (top.bytes !== undefined) {
      stack.pop()
      yield { cid: top.r.cid, via: top.r.via, bytes: top.bytes } // (a literal: a spread makes a shape an object)
      continue
    }
    const k = top.r.cid.toString()
    if (seen.has(k)) { stack.pop(); continue }
    seen.add(k)
    const bytes = await w.read(top.r)
    if (bytes === undefined) { stack.pop(); continue }
    if (childrenFirst) top.bytes = bytes
    else {
      stack.pop()
      yield { ...top.r, bytes }
    }
    const kids = await links(top.r, bytes)
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ r: kids[i] })
  }
}
