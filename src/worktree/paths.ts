import path from 'node:path'
import { fail } from '../errors.js'
import { REPO_DIR } from '../repo/repo.js'

/**
 * Turns a path the user typed (relative to `cwd`) into a path relative to the
 * working root, '/'-separated, '' for the root itself. Refuses anything
 * outside the working root or inside `.acache`.
 */
export function repoPath (root: string, cwd: string, p: string): string {
  const abs = path.resolve(cwd, p)
  const rel = path.relative(root, abs)
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    fail('BAD_PATH', `${p} is outside the working root ${root}`)
  }
  const norm = rel.split(path.sep).filter(s => s !== '').join('/')
  if (norm.split('/')[0] === REPO_DIR) fail('BAD_PATH', `${p} is inside ${REPO_DIR}/, which acache never tracks`)
  return norm
}

export function repoPaths (root: string, cwd: string, ps: string[] | undefined): string[] | undefined {
  if (ps === undefined || ps.length === 0) return undefined
  return ps.map(p => repoPath(root, cwd, p))
}

export { ancestors } from '../model/tree.js'
