import { knob } from './knobs.js'
import { nativeModule } from './native.js'

/**
 * Sharing extents (reflink) where the file system can: XFS made with
 * reflink=1, Btrfs. A range shared this way costs no space and no write,
 * and a later write to either file is copied on write, so an edit in the
 * working root never changes a stored block. Elsewhere (ext4, tmpfs, two
 * file systems, no native helper, ACACHE_REFLINK=0) the caller writes the
 * bytes as before.
 */

/** The block size the ranges must be multiples of (XFS and Btrfs alike, on 4 KiB pages). */
export const REFLINK_ALIGN = 4096

const EOPNOTSUPP = 95
const EXDEV = 18
const ENOTTY = 25
const ENOSYS = 38
const EPERM = 1

/** Devices where sharing failed for want of support (asked once a process). */
const unable = new Set<number>()

let tally = { shared: 0, sharedBytes: 0 }

/** Whether sharing is worth trying for a file on device `dev`. */
export function mayShare (dev: number): boolean {
  return !unable.has(dev) && knob('ACACHE_REFLINK') !== '0' && typeof nativeModule()?.cloneRange === 'function'
}

/**
 * Makes [srcOffset, srcOffset + length) of the file `src` the bytes at
 * `dstOffset` of `fd` (on device `dev`), sharing its extents; false when
 * that cannot be done (the caller writes the bytes). Ranges not aligned to
 * the block size, except one ending at the end of `src`, are refused by
 * the kernel (false, nothing changed).
 */
export function shareRange (fd: number, dev: number, src: string, srcOffset: number, length: number, dstOffset: number): boolean {
  if (!mayShare(dev) || dstOffset % REFLINK_ALIGN !== 0 || srcOffset % REFLINK_ALIGN !== 0) return false
  const rc = nativeModule()!.cloneRange!(fd, src, srcOffset, length, dstOffset)
  if (rc === 0) {
    tally.shared++
    tally.sharedBytes += length
    return true
  }
  if (rc === -EOPNOTSUPP || rc === -EXDEV || rc === -ENOTTY || rc === -ENOSYS || rc === -EPERM) unable.add(dev)
  return false
}

/**
 * Makes [dstOffset, dstOffset + length) of `fd` share the extents of the
 * same range of `src` when, and only when, their bytes are equal (the
 * kernel compares them): after a commit stored a file's leaves, the working
 * file gives up its own copy. A file changed meanwhile is left as it is.
 * Neither file's content nor times change.
 */
export function dedupeRange (fd: number, dev: number, src: string, srcOffset: number, length: number, dstOffset: number): boolean {
  if (!mayShare(dev) || dstOffset % REFLINK_ALIGN !== 0 || srcOffset % REFLINK_ALIGN !== 0) return false
  const dedupe = nativeModule()!.dedupeRange
  if (typeof dedupe !== 'function') return false
  const rc = dedupe(fd, src, srcOffset, length, dstOffset)
  if (rc === length) {
    tally.shared++
    tally.sharedBytes += length
    return true
  }
  if (rc === -EOPNOTSUPP || rc === -EXDEV || rc === -ENOTTY || rc === -ENOSYS || rc === -EPERM) unable.add(dev)
  return false
}

/** Ranges and bytes shared by this process so far (for reports and tests). */
export function sharedSoFar (): { shared: number, sharedBytes: number } {
  return { ...tally }
}

export function resetShared (): void {
  tally = { shared: 0, sharedBytes: 0 }
}
