import { CID } from 'multiformats/cid'

/**
 * Where a friend publishes: a directory (another repository or a bare
 * store), an HTTP server, a Kubo node, a bundle file. Fetch and push are
 * written against this and nothing else.
 */
export interface Transport {
  readonly url: string
  /** The published head of `key` as bytes (the caller verifies), or undefined when none. */
  getHead (key: string): Promise<Uint8Array | undefined>
  /** A block's bytes as the remote has them (the caller checks them against the CID). */
  getBlock (cid: CID): Promise<Uint8Array>
  hasBlock (cid: CID): Promise<boolean>
  /** Which of these blocks the remote has, asked at once (where the remote can answer so). */
  hasBlocks?: (cids: CID[]) => Promise<boolean[]>
  /**
   * A push sent as it is made (HTTP): the head goes first, then each block
   * putBlock gives, parents before children, and putHead ends it. Without
   * it, blocks are stored at the remote children before parents, and
   * putHead publishes the head after them.
   */
  openPush?: (key: string, seq: number, bytes: Uint8Array, ipnsRecord?: Uint8Array) => Promise<void>
  /** Stores a block at the remote (children before parents, or parents first after openPush). */
  putBlock (cid: CID, bytes: Uint8Array): Promise<void>
  /**
   * Publishes a head for `key`, atomically, refusing unless `seq` (the
   * head's) is higher than the seq published there now.
   */
  putHead (key: string, seq: number, bytes: Uint8Array, ipnsRecord?: Uint8Array): Promise<void>
  close (): Promise<void>
}
