import * as dagPb from '@ipld/dag-pb'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { BlockStore } from '../store/blockstore.js'
import { DAG_PB, RAW } from '../model/tree.js'
import { DAG_JSON } from '../model/commit.js'

/** The links of any block acache stores (raw, dag-pb, dag-json), for generic DAG walks. */
export function blockLinks (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === RAW) return []
  if (cid.code === DAG_PB) return dagPb.decode(bytes).Links.map(l => l.Hash)
  if (cid.code === DAG_JSON) {
    const out: CID[] = []
    const walk = (v: unknown): void => {
      const c = CID.asCID(v)
      if (c !== null) { out.push(c); return }
      if (Array.isArray(v)) v.forEach(walk)
      else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) Object.values(v).forEach(walk)
    }
    walk(dagJson.decode(bytes))
    return out
  }
  return []
}

/** Every block of a DAG, depth first, each once: the order of a trustless gateway's CAR. */
export async function * walkDag (store: BlockStore, root: CID): AsyncGenerator<{ cid: CID, bytes: Uint8Array }> {
  const seen = new Set<string>()
  const stack = [root]
  while (stack.length > 0) {
    const cid = stack.pop()!
    const k = cid.toString()
    if (seen.has(k)) continue
    seen.add(k)
    const bytes = await store.get(cid)
    yield { cid, bytes }
    const links = blockLinks(cid, bytes)
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i])
  }
}
