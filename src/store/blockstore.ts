import { CID } from 'multiformats/cid'
import crypto, { createHash } from 'node:crypto'
import * as Digest from 'multiformats/hashes/digest'
import { AcacheError, fail } from '../errors.js'

export interface AbortOptions { signal?: AbortSignal }

/**
 * The one storage interface everything above depends on (Helia's shape:
 * small, with the few capabilities callers need, so no caller asks which
 * store it has). `get` always returns bytes that were checked against the CID.
 */
export interface BlockStore {
  get (cid: CID, options?: AbortOptions): Promise<Uint8Array>
  put (cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<void>
  /**
   * Whether the block is here: exact for what this instance stored; a block
   * another process stored in the last moments may be reported absent (the
   * packed store looks at its directory again at most every 100 ms), so a
   * caller uses a no to do work again (fetch, store), never to conclude a
   * block is missing.
   */
  has (cid: CID, options?: AbortOptions): Promise<boolean>
  delete (cid: CID, options?: AbortOptions): Promise<void>
  /** Every multihash stored, as the CIDv1 raw form (codec is not kept by flatfs). */
  keys (options?: AbortOptions): AsyncIterable<Uint8Array>
  /** Bytes stored for a block, or undefined when missing. */
  size (cid: CID): Promise<number | undefined>
  /** blocks and bytes this instance actually wrote (not those it already had) */
  readonly written: { blocks: number, bytes: number }
  /**
   * Called before a ref moves to `roots`: every block put so far is where it
   * belongs, and what the roots reach is kept (a Kubo store pins them).
   */
  settle (roots: CID[]): Promise<void>
  /** All bytes the store holds (for `size`). */
  totalBytes (): Promise<number>
  /** The same store without what it would fetch from elsewhere (what is here). */
  offline (): BlockStore
  /** Takes blocks a staging store holds, in this order (children first): moved, not copied, where both can. */
  land (order: Iterable<CID>, staged: BlockStore): Promise<void>
  /** gc: keeps what `plan` says, drops the rest (or, for a node with its own gc, unpins it). */
  collect (plan: CollectPlan): Promise<Collected>
  /**
   * The file that holds exactly this block's bytes, where the store keeps it
   * as a file of its own (the embedded store's large blocks): a checkout
   * shares its extents (util/reflink.ts). Undefined otherwise.
   */
  blockFile?: (cid: CID) => string | undefined
  /**
   * The stored bytes, not checked against the CID: only for answers whose
   * receiver checks every block itself (serve's many-blocks answer; Kubo
   * does not hash on read either, by default).
   */
  getUnchecked?: (cid: CID) => Promise<Uint8Array>
}

/** What gc keeps. */
export interface CollectPlan {
  /** what refs, reflogs and remotes name */
  roots: CID[]
  /** every block the roots reach, as multihash hex (asked for only by stores that drop blocks themselves) */
  reachable: () => Promise<Set<string>>
  /** blocks younger than this are kept anyway (a process may still mean to use them) */
  graceMs: number
  dryRun: boolean
  tick?: () => void
}

export interface Collected {
  dropped: { blocks: number, bytes: number }
  kept: { blocks: number, bytes: number }
  /** kept only for being younger than the grace time */
  young: number
  /** a store whose node collects garbage itself: roots pinned, pins of roots no longer wanted removed */
  pins?: { node: string, pinned: number, unpinned: number }
}

/** Moves blocks one by one with put (stores that cannot rename). */
export async function copyBlocks (order: Iterable<CID>, from: BlockStore, to: BlockStore): Promise<void> {
  for (const cid of order) if (!(await to.has(cid))) await to.put(cid, await from.get(cid))
}

/** gc for a store that lists and deletes its blocks (no time stamps: nothing is young). */
export async function collectByKeys (store: BlockStore, plan: CollectPlan): Promise<Collected> {
  const keep = await plan.reachable()
  const out: Collected = { dropped: { blocks: 0, bytes: 0 }, kept: { blocks: 0, bytes: 0 }, young: 0 }
  for await (const mh of store.keys()) {
    plan.tick?.()
    const cid = CID.createV1(0x55, Digest.decode(mh))
    const size = (await store.size(cid)) ?? 0
    const side = keep.has(Buffer.from(mh).toString('hex')) ? out.kept : out.dropped
    side.blocks++
    side.bytes += size
    if (side === out.dropped && !plan.dryRun) await store.delete(cid)
  }
  return out
}

/**
 * The largest block accepted from outside (fetch, bundle import, a push to
 * `serve`, a CAR section). Bitswap and `ipfs dag import` refuse blocks over
 * 2 MiB (Kubo's own writes stay under 1 MiB); acache's own leaves are at most
 * 1 MiB and its nodes far smaller.
 */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024

export function blockTooLarge (cid: string, bytes: number): never {
  return fail('TOO_LARGE', `block ${cid} is ${bytes} bytes, over the ${MAX_BLOCK_BYTES}-byte limit for blocks from outside`, {
    data: { cid, bytes, limit: MAX_BLOCK_BYTES }
  })
}

export const SHA2_256 = 0x12

/** node:crypto's one-shot hash (Node 20.12 and later), a hash object each time before */
const oneShot = (crypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash

/**
 * A SHA-256 digest, as a typed array in V8's own heap: node:crypto gives
 * each digest a malloc'd buffer, and digests that live on in CIDs among
 * short-lived buffers keep the malloc heap from shrinking (an import of
 * thousands of commits held 75 MB that way).
 */
export function sha256 (bytes: Uint8Array): Uint8Array {
  return new Uint8Array(oneShot !== undefined ? oneShot('sha256', bytes, 'buffer') : createHash('sha256').update(bytes).digest())
}

/**
 * The rule every block from outside meets, whatever carried it (a fetch, a
 * bundle, a push to serve, a block read later, a repair): within the block
 * size limit, and its bytes hash to its CID. accept/rules.ts lists it.
 */
export function admitBlock (cid: CID, bytes: Uint8Array): void {
  if (bytes.byteLength > MAX_BLOCK_BYTES) blockTooLarge(cid.toString(), bytes.byteLength)
  checkBlock(cid, bytes)
}

/** Throws CORRUPT_OBJECT unless `bytes` hash to `cid`. */
export function checkBlock (cid: CID, bytes: Uint8Array): void {
  checkDigest(cid, cid.multihash.code === SHA2_256 ? sha256(bytes) : undefined)
}

/** A block at least this large is hashed off the main thread by checkBlockAsync. */
const ASYNC_HASH_BYTES = 128 * 1024

/**
 * checkBlock with a large block hashed on libuv's thread pool (WebCrypto's
 * digest), so the main thread serves other work meanwhile: a mount reading
 * 1 MiB leaves, each verified, no longer hashes on the thread that answers
 * FUSE.
 */
export async function checkBlockAsync (cid: CID, bytes: Uint8Array): Promise<void> {
  if (bytes.byteLength < ASYNC_HASH_BYTES || cid.multihash.code !== SHA2_256) { checkBlock(cid, bytes); return }
  checkDigest(cid, new Uint8Array(await crypto.webcrypto.subtle.digest('SHA-256', bytes)))
}

function checkDigest (cid: CID, digest: Uint8Array | undefined): void {
  if (digest === undefined) {
    fail('BAD_OBJECT', `unsupported hash function 0x${cid.multihash.code.toString(16)} in ${cid}`, { data: { cid: cid.toString() } })
  }
  if (!equalBytes(digest, cid.multihash.digest)) {
    fail('CORRUPT_OBJECT', `block ${cid} is corrupt: its bytes do not match its CID`, {
      data: { cid: cid.toString() },
      hint: 'run `acache verify` to see what is damaged; `acache verify --repair` fetches it again from your remotes'
    })
  }
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

export function missing (cid: CID): AcacheError {
  return new AcacheError('MISSING_OBJECT', `object ${cid} is missing from the store`, {
    data: { cid: cid.toString() },
    hint: '`acache verify --repair` fetches missing blocks again from your remotes'
  })
}

/** In-memory store for tests and scratch work. */
export class MemoryBlockStore implements BlockStore {
  readonly blocks = new Map<string, Uint8Array>()
  reads = 0
  readonly written = { blocks: 0, bytes: 0 }

  private key (cid: CID): string { return Buffer.from(cid.multihash.bytes).toString('hex') }

  async get (cid: CID): Promise<Uint8Array> {
    const b = this.blocks.get(this.key(cid))
    if (b === undefined) throw missing(cid)
    this.reads++
    checkBlock(cid, b)
    return b
  }

  async put (cid: CID, bytes: Uint8Array): Promise<void> {
    const k = this.key(cid)
    if (!this.blocks.has(k)) {
      this.written.blocks++
      this.written.bytes += bytes.byteLength
      this.blocks.set(k, bytes)
    }
  }

  async has (cid: CID): Promise<boolean> { return this.blocks.has(this.key(cid)) }
  async delete (cid: CID): Promise<void> { this.blocks.delete(this.key(cid)) }
  async * keys (): AsyncIterable<Uint8Array> {
    for (const k of this.blocks.keys()) yield Buffer.from(k, 'hex')
  }

  async size (cid: CID): Promise<number | undefined> { return this.blocks.get(this.key(cid))?.byteLength }
  async settle (): Promise<void> {}
  async totalBytes (): Promise<number> { let n = 0; for (const b of this.blocks.values()) n += b.byteLength; return n }
  offline (): BlockStore { return this }
  async land (order: Iterable<CID>, staged: BlockStore): Promise<void> { await copyBlocks(order, staged, this) }
  async collect (plan: CollectPlan): Promise<Collected> { return await collectByKeys(this, plan) }
}

/** A store that keeps nothing and has nothing: for computing CIDs only, or when blocks are already elsewhere. */
export const nullStore: BlockStore = {
  get: async (cid) => { throw missing(cid) },
  put: async () => {},
  has: async () => false,
  delete: async () => {},
  keys: async function * () {},
  size: async () => undefined,
  written: { blocks: 0, bytes: 0 },
  settle: async () => {},
  totalBytes: async () => 0,
  offline: () => nullStore,
  land: async () => {},
  collect: async () => ({ dropped: { blocks: 0, bytes: 0 }, kept: { blocks: 0, bytes: 0 }, young: 0 })
}

/**
 * Reads from the first store that has the block; writes go to the first.
 * For checking what is staged together with what is already here.
 */
export class LayeredStore implements BlockStore {
  get written (): { blocks: number, bytes: number } { return this.a.written }
  constructor (private readonly a: BlockStore, private readonly b: BlockStore) {}
  async get (cid: CID): Promise<Uint8Array> { return (await this.a.has(cid)) ? await this.a.get(cid) : await this.b.get(cid) }
  async put (cid: CID, bytes: Uint8Array): Promise<void> { await this.a.put(cid, bytes) }
  blockFile (cid: CID): string | undefined { return this.a.blockFile?.(cid) ?? this.b.blockFile?.(cid) }
  async has (cid: CID): Promise<boolean> { return (await this.a.has(cid)) || (await this.b.has(cid)) }
  async delete (): Promise<void> {}
  async * keys (): AsyncIterable<Uint8Array> {}
  async size (cid: CID): Promise<number | undefined> { return (await this.a.size(cid)) ?? (await this.b.size(cid)) }
  async settle (): Promise<void> {}
  async totalBytes (): Promise<number> { return 0 }
  offline (): BlockStore { return new LayeredStore(this.a.offline(), this.b.offline()) }
  async land (order: Iterable<CID>, staged: BlockStore): Promise<void> { await copyBlocks(order, staged, this) }
  async collect (): Promise<Collected> { return await nullStore.collect({ roots: [], reachable: async () => new Set(), graceMs: 0, dryRun: true }) }
}
