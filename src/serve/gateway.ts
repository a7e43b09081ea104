import * as dagPb from '@ipld/dag-pb'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { BlockStore, sha256 } from '../store/blockstore.js'
import { walkDag } from '../model/dag.js'
import { DAG_PB, RAW, hamtHash } from '../model/tree.js'
import { DAG_JSON } from '../model/commit.js'

/**
 * The read side of `acache serve`: the IPFS trustless gateway
 * (specs.ipfs.tech/http-gateways/trustless-gateway) over a block store.
 * GET|HEAD /ipfs/{cid}[/{path}] as a raw block or a CAR (version 1, DFS
 * order, no duplicates), with `dag-scope`, `entity-bytes`, paths through
 * UnixFS directories (HAMT shards too) and dag-json fields, Etags and 304,
 * Content-Disposition, the bafkqaaa probe. Every walk visits each block
 * once (model/dag.ts), so a DAG bomb costs what its blocks cost.
 */

export const RAW_TYPE = 'application/vnd.ipld.raw'
export const CAR_TYPE = 'application/vnd.ipld.car'
export const IPNS_RECORD_TYPE = 'application/vnd.ipfs.ipns-record'

/** The empty identity CID: the probe a client sends to see that this is a trustless gateway. */
const PROBE = 'bafkqaaa'

export class GatewayError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}

export interface GatewayRequest {
  method: 'GET' | 'HEAD'
  /** the URL path, still percent-encoded: /ipfs/{cid}[/{path}] */
  path: string
  params: URLSearchParams
  accept?: string
  ifNoneMatch?: string
}

export interface GatewayAnswer {
  status: number
  headers: Record<string, string>
  /** a block, or a CAR's bytes as they are made (nothing for HEAD and 304) */
  body?: Uint8Array | AsyncIterable<Uint8Array>
}

type Scope = 'block' | 'entity' | 'all'

/** Which response a request asks for: `format` first, then Accept; strict trustless: one of them must name it. */
export function requestedFormat (params: URLSearchParams, accept: string | undefined, allowed: string[]): { format: string, fromAccept: boolean } {
  const f = params.get('format')
  if (f !== null) {
    if (!allowed.includes(f)) throw new GatewayError(400, `format=${f} is not served here: ask for ${allowed.map(a => `format=${a}`).join(' or ')}`)
    return { format: f, fromAccept: false }
  }
  const types: Record<string, string> = { raw: RAW_TYPE, car: CAR_TYPE, 'ipns-record': IPNS_RECORD_TYPE }
  // the first type in the Accept list this gateway serves
  for (const part of (accept ?? '').split(',')) {
    const type = part.split(';')[0].trim().toLowerCase()
    const found = allowed.find(a => types[a] === type)
    if (found !== undefined) return { format: found, fromAccept: true }
  }
  throw new GatewayError(400, `this is a trustless gateway: ask for ${allowed.map(a => `?format=${a}`).join(', ')} (or Accept: ${allowed.map(a => types[a]).join(', ')})`)
}

/** multihash code of the identity "hash": the CID holds the block's bytes itself */
const IDENTITY = 0x00

/** The store, where an identity CID is a block it holds (its bytes are in the CID itself). */
function withIdentity (store: BlockStore): BlockStore {
  const inline = (cid: CID): boolean => cid.multihash.code === IDENTITY
  const w: BlockStore = Object.create(store)
  w.has = async (cid) => inline(cid) || await store.has(cid)
  w.get = async (cid) => inline(cid) ? cid.multihash.digest : await store.get(cid)
  w.size = async (cid) => inline(cid) ? cid.multihash.digest.byteLength : await store.size(cid)
  return w
}

/** Content-Disposition: `?filename=` names the download (quotes and controls taken out), else `fallback` does. */
export function disposition (params: URLSearchParams, fallback: string): string {
  const asked = params.get('filename')
  const name = asked === null || asked === '' ? fallback : asked.replace(/["\\\x00-\x1f\x7f]/g, '_')
  const ascii = name.replace(/[^\x20-\x7e]/g, '_')
  return ascii === name ? `attachment; filename="${name}"` : `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/** The probe's format: what Accept names, else raw (a client checking that this is a gateway may name none). */
function probeFormat (accept: string | undefined): { format: string, fromAccept: boolean } {
  try { return requestedFormat(new URLSearchParams(), accept, ['raw', 'car']) } catch { return { format: 'raw', fromAccept: false } }
}

/** GET or HEAD /ipfs/{cid}[/{path}]. */
export async function ipfsAnswer (blocks: BlockStore, req: GatewayRequest): Promise<GatewayAnswer> {
  const store = withIdentity(blocks)
  const [, , cidText, ...segments] = req.path.split('/')
  const path = segments.filter(s => s !== '').map(s => { try { return decodeURIComponent(s) } catch { throw new GatewayError(400, 'a path segment is not valid percent-encoding') } })
  let root: CID
  try { root = CID.parse(cidText) } catch { throw new GatewayError(400, `${cidText.slice(0, 100)} is not a CID`) }
  const probe = root.toString() === PROBE
  // the probe answers even without a format (a client checking that this is a gateway)
  const { format, fromAccept } = probe && req.params.get('format') === null ? probeFormat(req.accept) : requestedFormat(req.params, req.accept, ['raw', 'car'])
  if (format === 'raw' && path.length > 0) throw new GatewayError(400, 'a raw block is asked for by CID alone: /ipfs/{cid}?format=raw (a path needs format=car)')
  const car = format === 'car' ? carOptions(req.params, req.accept) : undefined
  const scope: Scope = car?.bytes !== undefined ? 'entity' : car?.scope ?? 'all'
  const base: Record<string, string> = {
    'Cache-Control': 'public, max-age=29030400, immutable',
    'X-Content-Type-Options': 'nosniff',
    // the content path asked for (the gateway spec's X-Ipfs-Path)
    'X-Ipfs-Path': `/ipfs/${root.toString()}${path.map(p => '/' + encodeURIComponent(p)).join('')}`
  }
  if (fromAccept) base['Content-Location'] = `${req.path}?${new URLSearchParams([...req.params, ['format', format]]).toString()}`
  // (size, not has: a block another process stored a moment ago is found, where has may not see it yet)
  if (!probe && (await store.size(root)) === undefined) throw new GatewayError(404, `block ${root} not found here`)
  if (format === 'raw') {
    const etag = `"${root.toString()}.raw"`
    const headers = { ...base, 'X-Ipfs-Roots': root.toString(), Etag: etag, 'Content-Type': RAW_TYPE, 'Content-Disposition': disposition(req.params, `${root.toString()}.bin`) }
    if (matches(req.ifNoneMatch, etag)) return { status: 304, headers }
    const bytes = probe ? new Uint8Array() : await store.get(root)
    return { status: 200, headers: { ...headers, 'Content-Length': String(bytes.byteLength) }, body: req.method === 'HEAD' ? undefined : bytes }
  }
  const c = car!
  const key = JSON.stringify([path, scope, c.bytes ?? null])
  const etag = `"${root.toString()}.car.${Buffer.from(sha256(new TextEncoder().encode(key))).toString('hex').slice(0, 16)}"`
  const headers: Record<string, string> = { ...base, Etag: etag, 'Content-Type': `${CAR_TYPE}; version=1; order=dfs; dups=n`, 'Content-Disposition': disposition(req.params, `${root.toString()}.car`) }
  if (matches(req.ifNoneMatch, etag)) return { status: 304, headers }
  if (probe) return { status: 200, headers: { ...headers, 'X-Ipfs-Roots': PROBE }, body: req.method === 'HEAD' ? undefined : carStream(root, (async function * () {})()) }
  // the path is resolved before the answer starts: a missing one is a 404, not a cut stream
  const resolved = await resolvePath(store, root, path)
  // the CID each path segment led to, from the root (X-Ipfs-Roots)
  headers['X-Ipfs-Roots'] = resolved.roots.map(String).join(',')
  if (c.bytes !== undefined) await checkRange(store, resolved.target, c.bytes)
  if (req.method === 'HEAD') return { status: 200, headers }
  return { status: 200, headers, body: carStream(root, carBlocks(store, resolved, scope, c.bytes)) }
}

function matches (ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  return ifNoneMatch.split(',').map(s => s.trim().replace(/^W\//, '')).some(t => t === '*' || t === etag)
}

interface CarRequest { scope?: Scope, bytes?: { from: number, to: number | '*' } }

/** dag-scope, entity-bytes and the CAR variant asked for (only version 1, DFS order, no duplicates are made). */
function carOptions (params: URLSearchParams, accept: string | undefined): CarRequest {
  const scope = params.get('dag-scope')
  if (scope !== null && scope !== 'block' && scope !== 'entity' && scope !== 'all') throw new GatewayError(400, `dag-scope is block, entity or all, not ${scope}`)
  const wanted: Record<string, string | null> = { version: params.get('car-version'), order: params.get('car-order'), dups: params.get('car-dups') }
  // the CAR type's own parameters in Accept, when the query does not say
  const carType = (accept ?? '').split(',').find(p => p.split(';')[0].trim().toLowerCase() === CAR_TYPE)
  for (const p of carType?.split(';').slice(1) ?? []) {
    const [k, v] = p.split('=').map(x => x.trim().toLowerCase())
    if (k in wanted && wanted[k] === null) wanted[k] = v ?? null
  }
  if (wanted.version !== null && wanted.version !== '1') throw new GatewayError(400, `only CAR version 1 is served, not ${wanted.version}`)
  if (wanted.order !== null && wanted.order !== 'dfs' && wanted.order !== 'unk') throw new GatewayError(400, `only order=dfs is served, not ${wanted.order}`)
  // a DAG linking one block many times would be sent that many times: bounded work sends each block once
  if (wanted.dups !== null && wanted.dups !== 'n') throw new GatewayError(400, 'only dups=n is served: every block is sent once')
  const out: CarRequest = { scope: scope ?? undefined }
  const bytes = params.get('entity-bytes')
  if (bytes !== null) {
    const m = /^(-?\d+):(-?\d+|\*)$/.exec(bytes)
    if (m === null) throw new GatewayError(400, `entity-bytes is FROM:TO (TO may be *), not ${bytes}`)
    out.bytes = { from: Number(m[1]), to: m[2] === '*' ? '*' : Number(m[2]) }
  }
  return out
}

/** What a path leads to: the blocks read on the way (to be sent first, in order), the target, and the CID of the root and of each segment. */
interface Resolved { way: Array<{ cid: CID, bytes: Uint8Array }>, target: CID, roots: CID[] }

/** Follows path segments through UnixFS directories (and HAMT shards) and dag-json fields. */
async function resolvePath (store: BlockStore, root: CID, path: string[]): Promise<Resolved> {
  const way: Array<{ cid: CID, bytes: Uint8Array }> = []
  const roots: CID[] = [root]
  let cid = root
  let i = 0
  while (i < path.length) {
    const bytes = await store.get(cid)
    way.push({ cid, bytes })
    if (cid.code === DAG_JSON) {
      // fields within the block, until one is a link
      let v: unknown = dagJson.decode(bytes)
      for (; ;) {
        const seg = path[i]
        if (v === null || typeof v !== 'object' || v instanceof Uint8Array || !Object.prototype.hasOwnProperty.call(v, seg)) throw new GatewayError(404, `no ${path.slice(0, i + 1).join('/')} in ${root}`)
        v = (v as Record<string, unknown>)[seg]
        i++
        const link = CID.asCID(v)
        if (link !== null) { cid = link; roots.push(cid); break }
        if (i === path.length) throw new GatewayError(404, `${path.join('/')} in ${root} is a value, not a link`)
      }
      continue
    }
    if (cid.code !== DAG_PB) throw new GatewayError(404, `no ${path.slice(0, i + 1).join('/')} in ${root}: ${cid} has no named links`)
    const node = dagPb.decode(bytes)
    const unixfs = await unixfsOf(node)
    if (unixfs?.type === 'hamt-sharded-directory') {
      cid = await hamtLookup(store, cid, node, unixfs, path[i], way, root)
    } else if (unixfs?.type === 'directory') {
      const l = node.Links.find(l => l.Name === path[i])
      if (l === undefined) throw new GatewayError(404, `no ${path.slice(0, i + 1).join('/')} in ${root}`)
      cid = l.Hash
    } else {
      throw new GatewayError(404, `no ${path.slice(0, i + 1).join('/')} in ${root}: ${path.slice(0, i).join('/') || 'it'} is not a directory`)
    }
    roots.push(cid)
    i++
  }
  return { way, target: cid, roots }
}

/** The entry `name` of a HAMT directory: the shards on the way to it (by the name's hash, as the directory was built) join `way`. */
async function hamtLookup (store: BlockStore, dir: CID, node: dagPb.PBNode, unixfs: { fanout?: bigint }, name: string, way: Array<{ cid: CID, bytes: Uint8Array }>, root: CID): Promise<CID> {
  const fanout = Number(unixfs.fanout ?? 0n)
  if (fanout !== 256) throw new GatewayError(404, `HAMT directory ${dir} has fanout ${fanout}; paths are followed through fanout 256`)
  const hash = await hamtHash(new TextEncoder().encode(name))
  let n = node
  for (let depth = 0; depth < hash.length; depth++) {
    // the bits are taken from the end of the hash, as hamt-sharding (the writer, the importer and the exporter) takes them
    const prefix = hash[hash.length - 1 - depth].toString(16).toUpperCase().padStart(2, '0')
    const entry = n.Links.find(l => l.Name === prefix + name)
    if (entry !== undefined) return entry.Hash
    const shard = n.Links.find(l => l.Name === prefix)
    if (shard === undefined) break
    const bytes = await store.get(shard.Hash)
    way.push({ cid: shard.Hash, bytes })
    n = dagPb.decode(bytes)
  }
  throw new GatewayError(404, `no ${name} in HAMT directory ${dir} (under ${root})`)
}

async function unixfsOf (node: dagPb.PBNode): Promise<import('ipfs-unixfs').UnixFS | undefined> {
  if (node.Data === undefined) return undefined
  const { UnixFS } = await import('ipfs-unixfs')
  try { return UnixFS.unmarshal(node.Data) } catch { return undefined }
}

/** A range that falls wholly outside the file is refused before the answer starts (400). */
async function checkRange (store: BlockStore, target: CID, bytes: { from: number, to: number | '*' }): Promise<void> {
  const size = await fileSize(store, target)
  if (size === undefined) return // not a file: entity-bytes is ignored
  if (bytes.from >= size && size > 0) throw new GatewayError(400, `entity-bytes ${bytes.from}:${bytes.to} starts past the file's ${size} bytes`)
}

/** The byte size of a UnixFS file (undefined when the block is not a file). */
async function fileSize (store: BlockStore, cid: CID): Promise<number | undefined> {
  if (cid.code === RAW) return (await store.size(cid)) ?? 0
  if (cid.code !== DAG_PB) return undefined
  const u = await unixfsOf(dagPb.decode(await store.get(cid)))
  return u !== undefined && (u.type === 'file' || u.type === 'raw') ? Number(u.fileSize()) : undefined
}

/** [from, to] inclusive within a file of `size` bytes, or undefined when empty. */
function resolveRange (bytes: { from: number, to: number | '*' }, size: number): { from: number, to: number } | undefined {
  const from = bytes.from < 0 ? Math.max(0, size + bytes.from) : bytes.from
  const to = bytes.to === '*' ? size - 1 : bytes.to < 0 ? size + bytes.to : Math.min(bytes.to, size - 1)
  return to < from ? undefined : { from, to }
}

/** The blocks of the answer, in DFS order, each once: the way along the path, then the target in its scope. */
async function * carBlocks (store: BlockStore, resolved: Resolved, scope: Scope, bytes?: { from: number, to: number | '*' }): AsyncGenerator<{ cid: CID, bytes: Uint8Array }> {
  const sent = new Set<string>()
  for (const b of resolved.way) {
    if (sent.has(b.cid.toString())) continue
    sent.add(b.cid.toString())
    yield b
  }
  const fresh = (cid: CID): boolean => !sent.has(cid.toString())
  const target = resolved.target
  const get = async ({ cid }: { cid: CID }): Promise<Uint8Array> => await store.get(cid)
  if (scope === 'all') {
    for await (const b of walkDag({ roots: [{ cid: target, via: undefined }], read: get })) if (fresh(b.cid)) yield b
    return
  }
  const top = await store.get(target)
  if (fresh(target)) yield { cid: target, bytes: top }
  if (scope === 'block' || target.code !== DAG_PB) return
  // entity: a whole file (or the blocks of a byte range), or what lists a directory (its HAMT shards)
  const node = dagPb.decode(top)
  const u = await unixfsOf(node)
  if (u?.type === 'hamt-sharded-directory') {
    const shards = (n: dagPb.PBNode): Array<{ cid: CID, via: undefined }> => n.Links.filter(l => (l.Name ?? '').length === 2).map(l => ({ cid: l.Hash, via: undefined }))
    for await (const b of walkDag({ roots: shards(node), read: get, links: (_r, bytes) => shards(dagPb.decode(bytes)) })) if (fresh(b.cid)) yield b
    return
  }
  if (u?.type !== 'file' && u?.type !== 'raw') return
  const size = Number(u.fileSize())
  const range = bytes === undefined ? { from: 0, to: size - 1 } : resolveRange(bytes, size)
  if (range === undefined) return // a zero-length range: the root block alone
  // children whose bytes overlap the range, by the blocksizes of each node
  type At = { offset: number }
  const links = async ({ cid, via }: { cid: CID, via: At }, b: Uint8Array): Promise<Array<{ cid: CID, via: At }>> => {
    if (cid.code !== DAG_PB) return []
    const n = dagPb.decode(b)
    const nu = await unixfsOf(n)
    const sizes = nu?.blockSizes ?? []
    let at = via.offset + (nu?.data?.byteLength ?? 0)
    const out: Array<{ cid: CID, via: At }> = []
    for (let i = 0; i < n.Links.length; i++) {
      const len = Number(sizes[i] ?? 0n)
      if (at <= range.to && at + len > range.from) out.push({ cid: n.Links[i].Hash, via: { offset: at } })
      at += len
    }
    return out
  }
  const kids = await links({ cid: target, via: { offset: 0 } }, top)
  for await (const b of walkDag<At>({ roots: kids, read: get, links })) if (fresh(b.cid)) yield b
}

/** A CARv1 stream with `root` as its root, of these blocks. */
async function * carStream (root: CID, blocks: AsyncIterable<{ cid: CID, bytes: Uint8Array }>): AsyncGenerator<Uint8Array> {
  const { CarWriter } = await import('@ipld/car')
  const { writer, out } = CarWriter.create([root])
  const feeding = (async () => {
    try {
      for await (const b of blocks) await writer.put(b)
    } finally {
      await writer.close()
    }
  })()
  let failed: unknown
  feeding.catch((err) => { failed = err })
  for await (const chunk of out) yield chunk
  await feeding.catch(() => {})
  // a block missing half way: the stream is cut, so the client sees an incomplete CAR
  if (failed !== undefined) throw failed
}
