/**
 * Buffers that no one else holds: made for one receiver (a block read off
 * the network into a buffer of its own), so a worker thread may take them
 * (moved, not copied) and leave them empty here. Anything not made here is
 * copied, never moved: a store or cache may still hold it.
 *
 * Buffers of more than a quarter of POOLED and up to POOLED bytes (the
 * leaves of large files) come from a pool and go back to it once the
 * thread that took them is done (recycle): a 1 GiB fetch then reuses a few
 * dozen buffers instead of asking the system for 1,024 fresh ones, each
 * page of which would fault in anew.
 */
const owned = new WeakSet<ArrayBufferLike>()

export const POOLED = 1024 * 1024
const free: ArrayBuffer[] = []
const MAX_FREE = 64

/** A buffer of `length` bytes (contents undefined) for one receiver, which may move it to another thread. */
export function ownedBuffer (length: number): Buffer {
  // a small block gets a buffer its own size (most are small files' blocks, stored on this thread)
  if (length <= POOLED / 4 || length > POOLED) {
    const b = Buffer.allocUnsafeSlow(length)
    owned.add(b.buffer)
    return b
  }
  const ab = free.pop() ?? new ArrayBuffer(POOLED)
  owned.add(ab)
  return Buffer.from(ab, 0, length)
}

/** Whether `b` may be moved to another thread: made by ownedBuffer, and not a slice of it. */
export function isOwned (b: Uint8Array): boolean {
  return owned.has(b.buffer) && b.byteOffset === 0
}

/** A pooled buffer handed back (by the thread that took it) for the next ownedBuffer. */
export function recycle (ab: ArrayBuffer): void {
  if (ab.byteLength === POOLED && free.length < MAX_FREE) free.push(ab)
}
