import fs from 'node:fs'
import path from 'node:path'
import { Repo, REPO_DIR } from '../repo/repo.js'
import { fail } from '../errors.js'
import { ChunkerName } from '../model/chunker.js'
import { writeChunker } from '../worktree/attributes.js'

export interface InitResult { root: string, dir: string, bare: boolean, branch: string, chunker: ChunkerName }

export function init (target: string, opts: { bare?: boolean, branch?: string, chunker?: ChunkerName } = {}): InitResult {
  const root = path.resolve(target)
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) fail('BAD_PATH', `${target} exists and is not a directory`)
  if (opts.bare !== true && fs.existsSync(path.join(root, REPO_DIR, 'config'))) {
    fail('EXISTS', `${root} is already an acache repository`)
  }
  const chunker = opts.chunker ?? 'fixed'
  if (chunker !== 'fixed' && chunker !== 'cdc') fail('USAGE', `unknown chunker ${String(chunker)}: fixed or cdc`)
  const repo = Repo.init(root, { bare: opts.bare, branch: opts.branch, config: { chunker } })
  // The choice travels with the history: a tracked .acacheattributes.
  if (chunker !== 'fixed' && opts.bare !== true) writeChunker(root, chunker)
  return { root, dir: repo.dir, bare: opts.bare === true, branch: opts.branch ?? 'main', chunker }
}
