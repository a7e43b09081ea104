import fs from 'node:fs'
import path from 'node:path'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { resolveRev } from '../repo/revs.js'
import { loadFuse, isStale, isMounted, unmount as fusermount } from '../mount/fuse.js'
import { commitOps } from '../mount/commit-fs.js'
import { workOps } from '../mount/work-fs.js'

export interface Mounted { mountpoint: string, rev?: string, commit?: string, work: boolean, unmount: () => Promise<void> }

/** `mount MP --rev REV` (read-only, lazy) or `mount MP --work` (the working root, read-write). */
export async function mount (repo: Repo, ctx: Ctx, opts: { mountpoint: string, rev?: string, work?: boolean, log?: (l: string) => void }): Promise<Mounted> {
  const Fuse = loadFuse()
  const mp = path.resolve(ctx.cwd, opts.mountpoint)
  if (isStale(mp)) {
    fail('STALE_MOUNT', `${mp} holds a stale mount left by a process that died`, { hint: `clear it with \`umount ${mp}\` (or \`acache umount ${mp}\`), then mount again` })
  }
  if (isMounted(mp)) fail('EXISTS', `${mp} is already a mount point`)
  if (repo.root !== undefined) {
    const rel = path.relative(repo.root, mp)
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) fail('BAD_PATH', `${mp} is inside the working root`, { hint: 'mount somewhere outside it, e.g. /tmp/view' })
  }
  fs.mkdirSync(mp, { recursive: true })
  if (fs.readdirSync(mp).length > 0) fail('BAD_PATH', `${mp} is not empty`, { hint: 'mount on an empty directory' })
  let ops: Record<string, Function>
  let commit: string | undefined
  if (opts.work === true) {
    ops = workOps(repo.worktree, repo.privateDirs, Fuse)
  } else {
    const cid = await resolveRev(repo, opts.rev ?? 'HEAD')
    const c = await repo.readCommit(cid)
    commit = cid.toString()
    ops = commitOps(repo.store, c.tree, new Date(c.time), Fuse, opts.log)
  }
  // A commit never changes: the kernel may keep what it read of a file for the next open (kernel_cache), so a
  // data set read again (a second epoch) comes from memory, not through acache. The working root changes.
  const fuse = new Fuse(mp, ops, { force: false, mkdir: false, fsname: 'acache', subtype: 'acache', timeout: false, kernelCache: opts.work !== true })
  await new Promise<void>((resolve, reject) => fuse.mount((err: Error | null) => err ? reject(err) : resolve()))
    .catch((err: Error) => fail('UNREACHABLE', `could not mount ${mp}: ${err.message}`))
  return {
    mountpoint: mp,
    rev: opts.rev,
    commit,
    work: opts.work === true,
    unmount: async () => {
      if (!isMounted(mp)) return
      try {
        fusermount(mp)
      } catch {
        // busy: detach now, the kernel finishes when the last file closes
        fusermount(mp, { lazy: true })
      }
    }
  }
}
