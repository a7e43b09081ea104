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
