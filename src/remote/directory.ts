import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { Transport } from './transport.js'
import { FsBlockStore } from '../store/fs-blockstore.js'
import { PackedBlockStore } from '../store/packed-blockstore.js'
import { embeddedStore, StoreLayout } from '../store/open.js'
import { fail } from '../errors.js'
import { acquireLock } from '../repo/lock.js'
import { readRegularFile, writeFileAtomic } from '../util/fs.js'
import { MAX_BLOCK_BYTES, MAX_HEAD_BYTES } from '../model/limits.js'
import { decodeHead, headFileName, ipnsRecordFileName } from '../model/head.js'
import { REPO_DIR, RepoLayout } from '../repo/layout.js'
import { missing } from '../store/blockstore.js'
import { tally } from '../util/trace.js'

/** A remote that is a directory: another repository, or a bare store (`init --bare`). */
export class DirectoryTransport implements Transport {
  private readonly layout: RepoLayout
  private readonly store: FsBlockStore
  private release?: () => void

  constructor (readonly url: string) {
    const p = path.resolve(url.startsWith('file://') ? url.slice('file://'.length) : url)
    if (!fs.existsSync(p)) fail('UNREACHABLE', `remote ${url} does not exist`, { hint: 'check the path, or make a store there with `acache init --bare`' })
    const inner = path.join(p, REPO_DIR)
    this.layout = new RepoLayout(RepoLayout.holdsConfig(inner) ? inner : p)
    if (!fs.existsSync(this.layout.blocks)) fail('UNREACHABLE', `remote ${url} is not an acache repository or store`)
    this.store = embeddedStore(this.layout.blocks, layoutOf(this.layout.config))
  }

  // A friend's folder is outside input: a head or block there is read only
  // if it is a regular file within the size limit (never a FIFO, a device
  // or a symlink to one).
  async getHead (key: string): Promise<Uint8Array | undefined> {
    return readRegularFile(this.layout.published(headFileName(key)), MAX_HEAD_BYTES, `the head published in ${this.url}`)
  }

  async getBlock (cid: CID): Promise<Uint8Array> {
    tally('fetched')
    // packed or one file a block, read within the limit; the caller checks the bytes against the CID
    const bytes = (this.store instanceof PackedBlockStore ? this.store.packedBytes(cid) : undefined) ??
      readRegularFile(this.store.pathOf(cid), MAX_BLOCK_BYTES, `block ${cid} in ${this.url}`)
    if (bytes === undefined) throw missing(cid)
    return bytes
  }

  async hasBlock (cid: CID): Promise<boolean> { return await this.store.has(cid) }

  /**
   * A push holds the store's lock from its first block to its head, so the
   * store's gc (which takes the same lock) never drops a block the push
   * counted on before the head that reaches it is published.
   */
  private hold (): void {
    this.release ??= acquireLock(this.layout.lock, `remote ${this.url}`)
  }

  async putBlock (cid: CID, bytes: Uint8Array): Promise<void> {
    this.hold()
    await this.store.put(cid, bytes)
  }

  async putHead (key: string, seq: number, bytes: Uint8Array, ipnsRecord?: Uint8Array): Promise<void> {
    this.hold()
    try {
      const current = await this.getHead(key)
      if (current !== undefined) {
        const cur = decodeHead(current)
        if (cur.seq >= seq) fail('REPLAY', `the remote already has a head with seq ${cur.seq} (ours is ${seq})`, { hint: 'fetch first, then push again' })
      }
      await this.store.settle() // what the head reaches is in a sealed pack before the head names it
      publishLocal(this.layout, key, bytes, ipnsRecord)
    } finally {
      this.unhold()
    }
  }

  private unhold (): void {
    this.release?.()
    this.release = undefined
  }

  async close (): Promise<void> { this.unhold() }
}

/**
 * Publishes a head in a local repository (what `push` with no remote does),
 * and its IPNS record beside it; a head without one (a bundle) leaves none
 * that names an older head.
 */
export function publishLocal (layout: RepoLayout, key: string, bytes: Uint8Array, ipnsRecord?: Uint8Array): void {
  const file = layout.published(headFileName(key))
  const record = layout.published(ipnsRecordFileName(key))
  fs.mkdirSync(path.dirname(file), { recursive: true })
  if (ipnsRecord === undefined) fs.rmSync(record, { force: true })
  writeFileAtomic(file, bytes)
  if (ipnsRecord !== undefined) writeFileAtomic(record, ipnsRecord)
}

/** The layout a folder's store is in, as its config says (packed when it says nothing readable: packed reads both). */
function layoutOf (configFile: string): StoreLayout {
  try {
    const c = JSON.parse(readRegularFile(configFile, 1024 * 1024, 'config')?.toString('utf8') ?? '{}')
    return c?.store?.layout === 'flatfs' ? 'flatfs' : 'packed'
  } catch { return 'packed' }
}
