import { CID } from 'multiformats/cid'
import { createHash } from 'node:crypto'
import { AcacheError, fail } from '../errors.js'

export interface AbortOptions { signal?: AbortSignal }

/**
 * The one storage interface everything above depends on (Helia's shape, kept small).
 * `get` always returns bytes that were checked against the CID.
 */
export interface BlockStore {
  get (cid: CID, options?: AbortOptions): Promise<Uint8Array>
  put (cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<void>
  has (cid: CID, options?: AbortOptions): Promise<boolean>
  delete (cid: CID, options?: AbortOptions): Promise<void>
  /** Every multihash stored, as the CIDv1 raw form (codec is not kept by flatfs). */
  keys (options?: AbortOptions): AsyncIterable<Uint8Array>
  /** Bytes stored for a block, or undefined when missing. */
  size (cid: CID): Promise<number | undefined>
  /** blocks and bytes this instance actually wrote (not those it already had) */
  readonly written?: { blocks: number, bytes: number }
  /**
   * Called before a ref moves to `roots`: every block put so far is where it
   * belongs, and what the roots reach is kept (a Kubo store pins them).
   */
  settle? (roots: CID[]): Promise<void>
  /** All bytes the store holds (for `size`). */
  totalBytes? (): Promise<number>
}

export const SHA2_256 = 0x12

export function sha256 (bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

/** Throws CORRUPT_OBJECT unless `bytes` hash to `cid`. */
export function checkBlock (cid: CID, bytes: Uint8Array): void {
  if (cid.multihash.code !== SHA2_256) {
    fail('BAD_OBJECT', `unsupported hash function 0x${cid.multihash.code.toString(16)} in ${cid}`, { data: { cid: cid.toString() } })
  }
  const digest = sha256(bytes)
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
}

/** A store that keeps nothing and has nothing: for computing CIDs only, or when blocks are already elsewhere. */
export const nullStore: BlockStore = {
  get: async (cid) => { throw missing(cid) },
  put: async () => {},
  has: async () => false,
  delete: async () => {},
  keys: async function * () {},
  size: async () => undefined
}
