import { CID } from 'multiformats/cid'
import { BlockStore } from '../store/blockstore.js'
import { Entry, inspect, readDirectory, readSymlink } from '../model/tree.js'
import { AcacheError } from '../errors.js'
import { BlockCache, readRange } from './reader.js'
import { BlockReadPool } from '../store/read-pool.js'
import { tally } from '../util/trace.js'

/** How many leaves (1 MiB each) a file read in order is read ahead by. */
const READ_AHEAD = 8
const LEAF_BYTES = 1024 * 1024
/** verified blocks kept, so that many small reads of one leaf read it once */
const CACHE_BYTES = 64 * 1024 * 1024

/**
 * A commit as a read-only file system. Nothing is read until asked for:
 * a directory when it is listed, a file's blocks when those bytes are read,
 * so a commit of any size mounts at once.
 */
export function commitOps (store: BlockStore, root: CID, time: Date, Fuse: any, log: (l: string) => void = () => {}): Record<string, Function> {
  const dirs = new Map<string, Map<string, Entry>>()
  const sizes = new Map<string, number>()
  // the leaves of large files are read and checked on other threads: this one answers FUSE
  // (leaves read into the slots of one shared buffer, given back as the cache lets go of them)
  const pool = new BlockReadPool(store, undefined, CACHE_BYTES / LEAF_BYTES + 2 * READ_AHEAD)
  const cache = new BlockCache(store, CACHE_BYTES, async (cid, part) => part ? await pool.get(cid) : await store.get(cid), (bytes) => { pool.release(bytes) })
  const uid = process.getuid?.() ?? 0
  const gid = process.getgid?.() ?? 0

  const listing = async (e: Entry, where: string): Promise<Map<string, Entry>> => {
    const k = e.cid.toString()
    let d = dirs.get(k)
    if (d === undefined) { d = await readDirectory(store, e.cid, where); dirs.set(k, d) }
    return d
  }
  const resolve = async (p: string): Promise<Entry | undefined> => {
    let cur: Entry = { cid: root, tsize: 0, kind: 'dir' }
    let where = ''
    for (const part of p.split('/').filter(s => s !== '')) {
      if (cur.kind !== 'dir') return undefined
      const next = (await listing(cur, where)).get(part)
      if (next === undefined) return undefined
      cur = next
      where = where === '' ? part : `${where}/${part}`
    }
    return cur
  }
  const sizeOf = async (e: Entry): Promise<number> => {
    const k = e.cid.toString()
    let s = sizes.get(k)
    if (s === undefined) { s = (await inspect(store, e.cid)).size; sizes.set(k, s) }
    return s
  }
  const errno = (err: unknown, op: string, p: string): number => {
    if (err instanceof AcacheError) {
      log(`${op} ${p}: ${err.message}`)
      return err.code === 'MISSING_OBJECT' || err.code === 'CORRUPT_OBJECT' ? Fuse.EIO : Fuse.EIO
    }
    log(`${op} ${p}: ${(err as Error).message}`)
    return Fuse.EIO
  }
  const wrap = (op: string, fn: (...a: any[]) => Promise<unknown[]>) => (...args: any[]) => {
    const cb = args[args.length - 1]
    fn(...args.slice(0, -1)).then((r) => cb(...r), (err) => cb(errno(err, op, String(args[0]))))
  }
  const erofs = (...args: any[]): void => { args[args.length - 1](Fuse.EROFS) }
  const fds = new Map<number, Entry>()
  /** where each open file's last read ended */
  const readTo = new Map<number, number>()
  let nextFd = 10

  return {
    getattr: wrap('getattr', async (p: string) => {
      const e = await resolve(p)
      if (e === undefined) return [Fuse.ENOENT]
      const base = { uid, gid, atime: time, mtime: time, ctime: time, nlink: 1 }
      if (e.kind === 'dir') return [0, { ...base, mode: 0o40555, size: 4096, nlink: 2 }]
      if (e.kind === 'symlink') return [0, { ...base, mode: 0o120777, size: Buffer.byteLength(await readSymlink(store, e.cid)) }]
      return [0, { ...base, mode: e.kind === 'exec' ? 0o100555 : 0o100444, size: await sizeOf(e) }]
    }),
    readdir: wrap('readdir', async (p: string) => {
      const e = await resolve(p)
      if (e === undefined) return [Fuse.ENOENT]
      if (e.kind !== 'dir') return [Fuse.ENOTDIR]
      return [0, [...(await listing(e, p.replace(/^\//, ''))).keys()]]
    }),
    open: wrap('open', async (p: string, flags: number) => {
      if ((flags & 3) !== 0) return [Fuse.EROFS]
      const e = await resolve(p)
      if (e === undefined) return [Fuse.ENOENT]
      if (e.kind === 'dir') return [Fuse.EISDIR]
      const fd = nextFd++
      fds.set(fd, e)
      return [0, fd]
    }),
    release: (_p: string, fd: number, cb: (n: number) => void) => { fds.delete(fd); readTo.delete(fd); cb(0) },
    read: wrap('read', async (p: string, fd: number, buf: Buffer, len: number, pos: number) => {
      tally('answered')
      const e = fds.get(fd) ?? await resolve(p)
      if (e === undefined) return [Fuse.EBADF]
      // read in order (from the start, or on from where the last read ended): the next leaves are read ahead
      const inOrder = pos === 0 || readTo.get(fd) === pos
      const n = await readRange(cache, e.cid, pos, len, buf, 0, inOrder ? READ_AHEAD : 0)
      readTo.set(fd, pos + n)
      return [n]
    }),
    readlink: wrap('readlink', async (p: string) => {
      const e = await resolve(p)
      if (e === undefined) return [Fuse.ENOENT]
      if (e.kind !== 'symlink') return [Fuse.EINVAL]
      return [0, await readSymlink(store, e.cid)]
    }),
    statfs: (_p: string, cb: Function) => cb(0, { bsize: 1048576, frsize: 1048576, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, favail: 0, fsid: 0, flag: 1, namemax: 255 }),
    write: erofs, create: erofs, unlink: erofs, rename: erofs, mkdir: erofs, rmdir: erofs, truncate: erofs, ftruncate: erofs,
    chmod: erofs, chown: erofs, symlink: erofs, link: erofs, utimens: erofs, mknod: erofs, setxattr: erofs, removexattr: erofs
  }
}
