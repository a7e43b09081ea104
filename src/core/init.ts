import fs from 'node:fs'
import path from 'node:path'
import { Repo, REPO_DIR } from '../repo/repo.js'
import { fail } from '../errors.js'

export interface InitResult { root: string, dir: string, bare: boolean, branch: string }

export function init (target: string, opts: { bare?: boolean, branch?: string } = {}): InitResult {
  const root = path.resolve(target)
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) fail('BAD_PATH', `${target} exists and is not a directory`)
  if (opts.bare !== true && fs.existsSync(path.join(root, REPO_DIR, 'config'))) {
    fail('EXISTS', `${root} is already an acache repository`)
  }
  const repo = Repo.init(root, { bare: opts.bare, branch: opts.branch })
  return { root, dir: repo.dir, bare: opts.bare === true, branch: opts.branch ?? 'main' }
}
