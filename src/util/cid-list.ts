import { CID } from 'multiformats/cid'
import { Digest } from 'multiformats/hashes/digest'

/**
 * A list of CIDs kept as their bytes, one after another in one buffer: a
 * fetch of a million blocks lists them in about 36 MB, where CID objects
 * take about 620 bytes each (a CID is several objects, and @ipld/dag-pb
 * gives each link's CID a buffer of its own). Iterating makes each CID
 * afresh, a view of the list's bytes.
 */
export class CidList implements Iterable<CID> {
  private bytes = new Uint8Array(64 * 1024)
  private ends = new Uint32Array(1024)
  private used = 0
  length = 0

  push (cid: CID): void {
    const b = cid.bytes
    if (this.used + b.byteLength > this.bytes.byteLength) this.bytes = grown(this.bytes, this.used + b.byteLength)
    if (this.length === this.ends.length) this.ends = grown(this.ends, this.length + 1)
    this.bytes.set(b, this.used)
    this.used += b.byteLength
    this.ends[this.length++] = this.used
  }

  pushAll (cids: Iterable<CID>): void {
    for (const c of cids) this.push(c)
  }

  * [Symbol.iterator] (): Iterator<CID> {
    // (the buffers as they are now: a push meanwhile may replace them, never change what is listed)
    const { bytes, ends, length } = this
    let start = 0
    for (let i = 0; i < length; i++) {
      yield CID.decode(bytes.subarray(start, ends[i]))
      start = ends[i]
    }
  }
}

function grown<T extends Uint8Array | Uint32Array> (a: T, atLeast: number): T {
  const next = new (a.constructor as new (n: number) => T)(Math.max(atLeast, a.length * 2))
  next.set(a)
  return next
}

let slab = new Uint8Array(0)
let slabUsed = 0

/**
 * The same CID, its bytes a view of a shared buffer rather than a buffer of
 * its own: for CIDs kept by the hundred thousand (the entries of a tree
 * being checked out). A CID @ipld/dag-pb decodes has its own ArrayBuffer,
 * about 250 of its 650 bytes. A CIDv0 is kept as it is.
 */
export function compactCid (cid: CID): CID {
  if (cid.version !== 1) return cid
  const b = cid.bytes
  if (slabUsed + b.byteLength > slab.byteLength) {
    slab = new Uint8Array(64 * 1024)
    slabUsed = 0
  }
  const bytes = slab.subarray(slabUsed, slabUsed + b.byteLength)
  slabUsed += b.byteLength
  bytes.set(b)
  const mh = cid.multihash
  const mhBytes = bytes.subarray(b.byteLength - mh.bytes.byteLength)
  const digest = new Digest(mh.code, mh.size, mhBytes.subarray(mhBytes.byteLength - mh.digest.byteLength), mhBytes)
  return new CID(1, cid.code, digest, bytes) as CID
}
