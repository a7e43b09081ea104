import { Repo, checkBranchName } from '../repo/repo.js'
import { resolveRev } from '../repo/revs.js'
import { fail } from '../errors.js'

export interface BranchInfo { name: string, commit: string, current: boolean, remote: boolean }

export function listBranches (repo: Repo, opts: { all?: boolean, remotes?: boolean } = {}): BranchInfo[] {
  const current = repo.currentBranch()
  const out: BranchInfo[] = []
  if (opts.remotes !== true) {
    for (const [ref, cid] of repo.listRefs('refs/heads')) {
      const name = ref.slice('refs/heads/'.length)
      out.push({ name, commit: cid.toString(), current: name === current, remote: false })
    }
  }
  if (opts.all === true || opts.remotes === true) {
    for (const [ref, cid] of repo.listRefs('refs/remotes')) {
      out.push({ name: ref.slice('refs/remotes/'.length), commit: cid.toString(), current: false, remote: true })
    }
  }
  return out
}

export async function createBranch (repo: Repo, name: string, start = 'HEAD', force = false): Promise<BranchInfo> {
  checkBranchName(name)
  const release = repo.lock()
  try {
    const ref = `refs/heads/${name}`
    if (!force && repo.readRef(ref) !== undefined) fail('EXISTS', `a branch named ${name} already exists`)
    const cid = await resolveRev(repo, start)
    await repo.readCommit(cid)
    repo.writeRef(ref, cid)
    return { name, commit: cid.toString(), current: repo.currentBranch() === name, remote: false }
  } finally {
    release()
  }
}

export function deleteBranch (repo: Repo, name: string): { name: string, commit: string } {
  const release = repo.lock()
  try {
    const ref = `refs/heads/${name}`
    const cid = repo.readRef(ref)
    if (cid === undefined) fail('UNKNOWN_REVISION', `branch ${name} not found`)
    if (repo.currentBranch() === name) fail('USAGE', `cannot delete branch ${name}: it is the current branch`, { hint: 'switch to another branch first' })
    repo.deleteRef(ref)
    return { name, commit: cid.toString() }
  } finally {
    release()
  }
}
