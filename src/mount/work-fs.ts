import fs from 'node:fs'
import path from 'node:path'
import { REPO_DIR } from '../repo/repo.js'

/**
 * The working root as a read-write file system: what is written through it
 * is in the working root, so `status`, `diff` and `commit` see it, and it
 * survives unmounting. `.acache/` and $ACACHE_HOME are never visible: they
 * do not exist as far as the mount is concerned.
 */
export function workOps (root: string, hidden: string[], Fuse: any): Record<string, Function> {
  const hiddenRel = hidden.map(h => path.relative(root, path.resolve(h))).filter(r => r !== '' && !r.startsWith('..') && !path.isAbsolute(r))
  const isHidden = (p: string): boolean => {
    const rel = p.replace(/^\/+/, '')
    if (rel === REPO_DIR || rel.startsWith(REPO_DIR + '/')) return true
    return hiddenRel.some(h => rel === h || rel.startsWith(h + '/'))
  }
  const real = (p: string): string => path.join(root, p)
  const code = (err: NodeJS.ErrnoException | null): number => err === null ? 0 : (Fuse[err.code ?? 'EIO'] ?? Fuse.EIO)
  const guard = (p: string, cb: Function): boolean => { if (isHidden(p)) { cb(Fuse.ENOENT); return false } return true }
  const statOf = (st: fs.Stats): object => ({ mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, nlink: st.nlink, ino: st.ino, atime: st.atime, mtime: st.mtime, ctime: st.ctime, blocks: st.blocks, blksize: st.blksize })

  return {
    getattr: (p: string, cb: Function) => { if (guard(p, cb)) fs.lstat(real(p), (err, st) => err !== null ? cb(code(err)) : cb(0, statOf(st))) },
    fgetattr: (p: string, fd: number, cb: Function) => { if (guard(p, cb)) fs.fstat(fd, (err, st) => err !== null ? cb(code(err)) : cb(0, statOf(st))) },
    readdir: (p: string, cb: Function) => {
      if (!guard(p, cb)) return
      fs.readdir(real(p), (err, names) => err !== null ? cb(code(err)) : cb(0, names.filter(n => !isHidden(path.posix.join(p, n)))))
    },
    open: (p: string, flags: number, cb: Function) => { if (guard(p, cb)) fs.open(real(p), flags, (err, fd) => err !== null ? cb(code(err)) : cb(0, fd)) },
    create: (p: string, mode: number, cb: Function) => {
      if (guard(p, cb)) fs.open(real(p), fs.constants.O_CREAT | fs.constants.O_RDWR | fs.constants.O_TRUNC, mode, (err, fd) => err !== null ? cb(code(err)) : cb(0, fd))
    },
    read: (_p: string, fd: number, buf: Buffer, len: number, pos: number, cb: Function) => fs.read(fd, buf, 0, len, pos, (err, n) => cb(err !== null ? code(err) : n)),
    write: (_p: string, fd: number, buf: Buffer, len: number, pos: number, cb: Function) => fs.write(fd, buf, 0, len, pos, (err, n) => cb(err !== null ? code(err) : n)),
    release: (_p: string, fd: number, cb: Function) => fs.close(fd, (err) => cb(code(err))),
    flush: (_p: string, _fd: number, cb: Function) => cb(0),
    fsync: (_p: string, _d: boolean, fd: number, cb: Function) => fs.fsync(fd, (err) => cb(code(err))),
    truncate: (p: string, size: number, cb: Function) => { if (guard(p, cb)) fs.truncate(real(p), size, (err) => cb(code(err))) },
    ftruncate: (_p: string, fd: number, size: number, cb: Function) => fs.ftruncate(fd, size, (err) => cb(code(err))),
    unlink: (p: string, cb: Function) => { if (guard(p, cb)) fs.unlink(real(p), (err) => cb(code(err))) },
    rename: (src: string, dest: string, cb: Function) => { if (guard(src, cb) && guard(dest, cb)) fs.rename(real(src), real(dest), (err) => cb(code(err))) },
    mkdir: (p: string, mode: number, cb: Function) => { if (guard(p, cb)) fs.mkdir(real(p), { mode }, (err) => cb(code(err))) },
    rmdir: (p: string, cb: Function) => { if (guard(p, cb)) fs.rmdir(real(p), (err) => cb(code(err))) },
    chmod: (p: string, mode: number, cb: Function) => { if (guard(p, cb)) fs.chmod(real(p), mode, (err) => cb(code(err))) },
    chown: (_p: string, _u: number, _g: number, cb: Function) => cb(0),
    symlink: (target: string, p: string, cb: Function) => { if (guard(p, cb)) fs.symlink(target, real(p), (err) => cb(code(err))) },
    readlink: (p: string, cb: Function) => { if (guard(p, cb)) fs.readlink(real(p), (err, t) => err !== null ? cb(code(err)) : cb(0, t)) },
    link: (src: string, dest: string, cb: Function) => { if (guard(src, cb) && guard(dest, cb)) fs.link(real(src), real(dest), (err) => cb(code(err))) },
    utimens: (p: string, atime: number | Date, mtime: number | Date, cb: Function) => { if (guard(p, cb)) fs.utimes(real(p), new Date(atime), new Date(mtime), (err) => cb(code(err))) },
    statfs: (_p: string, cb: Function) => fs.statfs(root, (err, s) => err !== null ? cb(code(err)) : cb(0, { bsize: s.bsize, frsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree, favail: s.ffree, fsid: 0, flag: 0, namemax: 255 }))
  }
}
