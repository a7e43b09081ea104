import fs from 'node:fs'
import path from 'node:path'

/**
 * Where a repository keeps what it knows: `.acache/` in the working root
 * (a bare store is such a directory on its own). Kept free of acache's
 * other modules: the lstat helper finds the index with it before the rest
 * of acache is loaded (worktree/preload.ts).
 *
 *   config, HEAD, refs/, logs/ (reflogs)     repository state
 *   blocks/                                  the embedded store (Kubo's flatfs layout)
 *   index                                    the stat cache (worktree/index-file.ts)
 *   published/<key>.head                     heads published here
 *   remote-state/<remote>.json|.log          heads accepted from each remote
 *   staging/                                 blocks received, not yet accepted
 *   complete, roots, partial                 what is verified whole, known roots, a partial fetch
 *   MERGE_*, stash, COMMIT_EDITMSG, hooks/, info/exclude, tmp/, lock
 */
export const REPO_DIR = '.acache'

/** The repository holding `start`, walking up as git does: its working root (none for a bare store) and directory. */
export function findRepository (start: string): { root?: string, dir: string } | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, REPO_DIR)
    if (fs.existsSync(path.join(candidate, 'config'))) return { root: dir, dir: candidate }
    // a bare store is the directory itself (its config says bare)
    if (fs.existsSync(path.join(dir, 'config')) && fs.existsSync(path.join(dir, 'blocks')) && fs.existsSync(path.join(dir, 'HEAD'))) return { dir }
    if (path.dirname(dir) === dir) return undefined
  }
}
