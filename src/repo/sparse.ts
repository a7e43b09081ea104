import fs from 'node:fs'
import type { RepoLayout } from './layout.js'
import { writeFileAtomic } from '../util/fs.js'

/**
 * A sparse checkout: the paths (files or directories, relative to the root)
 * the working root holds, kept in .acache/sparse. Paths outside it are
 * neither written nor compared: status, diff and commit leave them as the
 * commit has them (as git's skip-worktree), and fetches take only the blocks
 * under the set. Absent: the whole tree.
 */
export function readSparse (layout: RepoLayout): string[] | undefined {
  let text: string
  try { text = fs.readFileSync(layout.sparse, 'utf8') } catch { return undefined }
  try {
    const o = JSON.parse(text)
    if (Array.isArray(o?.paths) && o.paths.every((p: unknown) => typeof p === 'string')) return o.paths
  } catch {}
  return undefined
}

export function writeSparse (layout: RepoLayout, paths: string[] | undefined): void {
  if (paths === undefined) { fs.rmSync(layout.sparse, { force: true }); return }
  writeFileAtomic(layout.sparse, JSON.stringify({ paths }, null, 2) + '\n')
}

/** Whether a path is in the set (a listed path, or under a listed directory). */
export function inSparse (p: string, sparse: string[] | undefined): boolean {
  if (sparse === undefined) return true
  for (const q of sparse) if (q === '' || p === q || p.startsWith(q + '/')) return true
  return false
}

/**
 * The paths a command limited to `paths` looks at in a sparse checkout: the
 * parts of each that lie in the set (undefined: everything).
 */
export function withinSparse (paths: string[] | undefined, sparse: string[] | undefined): string[] | undefined {
  if (sparse === undefined) return paths
  if (paths === undefined) return sparse
  const out = new Set<string>()
  for (const p of paths) {
    for (const s of sparse) {
      if (inSparse(p, [s])) out.add(p)
      else if (inSparse(s, [p])) out.add(s)
    }
  }
  return [...out]
}
