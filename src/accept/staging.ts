import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { FsBlockStore } from '../store/fs-blockstore.js'
import { PackedBlockStore } from '../store/packed-blockstore.js'

/**
 * Where arriving blocks wait until they are accepted: a private directory
 * under .acache/staging a process, never trusted for anything (each block
 * is checked again as read), removed when done, taken over only from a
 * process that died and only when it is a real directory.
 */

/**
 * A private staging store for blocks not yet accepted; the caller removes
 * it. Packed (as the embedded store is): a push of 100,000 small files is
 * appended to one pack, not made into 100,000 files and their directories
 * first; large leaves are one file each (all in one directory: no shard
 * directories to make and remove again), landed by a rename.
 */
export function staging (repo: Repo): FsBlockStore {
  return PackedBlockStore.init(repo.layout.staging(stagingName()), true)
}

function stagingName (): string {
  return `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
}

/**
 * A staging store for a fetch: it takes over what a fetch that died (Ctrl-C,
 * a kill, a lost connection) left staged, the latest first, so that running
 * it again does not download that again. Those blocks are trusted for
 * nothing: each is checked against its CID when read (see resumable), and
 * everything else a fetch checks is checked again. gc removes what no fetch
 * took over.
 */
export function resumeStaging (repo: Repo): FsBlockStore {
  const name = stagingName()
  const dead = deadStaging(repo)
    .map(n => ({ n, t: fs.statSync(repo.layout.staging(n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.t - a.t)
  for (const { n } of dead) {
    try {
      fs.renameSync(repo.layout.staging(n), repo.layout.staging(name))
      return PackedBlockStore.init(repo.layout.staging(name), true)
    } catch { /* another fetch took it first */ }
  }
  return PackedBlockStore.init(repo.layout.staging(name), true)
}

/** Reads what `stage` already holds (checked against its CID; a damaged one is read again with `get`), the rest with `get`. */
export function resumable (stage: FsBlockStore, get: (cid: CID) => Promise<Uint8Array>): { get: (cid: CID) => Promise<Uint8Array>, resumed: () => number } {
  let resumed = 0
  return {
    get: async (cid) => {
      if (await stage.has(cid)) {
        try {
          const bytes = await stage.get(cid)
          resumed++
          return bytes
        } catch {
          await stage.delete(cid) // damaged: fetched again
        }
      }
      return await get(cid)
    },
    resumed: () => resumed
  }
}

/** Staging directories (named PID-...) whose process is gone. */
function deadStaging (repo: Repo): string[] {
  let names: string[] = []
  try { names = fs.readdirSync(repo.layout.staging()) } catch { return [] }
  return names.filter(n => {
    const pid = parseInt(n, 10)
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) return false
    // only a directory a fetch made: a symlink planted there would lead writes out of the repository
    return fs.lstatSync(repo.layout.staging(n), { throwIfNoEntry: false })?.isDirectory() === true
  })
}

/** Removes what processes that died left staged (gc). */
export function removeDeadStaging (repo: Repo): number {
  const dead = deadStaging(repo)
  for (const n of dead) fs.rmSync(repo.layout.staging(n), { recursive: true, force: true })
  return dead.length
}

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

export function removeStage (stage: FsBlockStore): void {
  if (stage instanceof PackedBlockStore) stage.packs.close()
  fs.rmSync(stage.dir, { recursive: true, force: true })
}
