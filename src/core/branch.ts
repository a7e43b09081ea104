import { ABSENT, Repo, checkNewBranchName } from '../repo/repo.js'
import { resolveRev } from '../repo/revs.js'
import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { fail } from '../errors.js'
import { isAncestor } from '../merge/base.js'

export interface BranchInfo { name: string, commit: string, current: boolean, remote: boolean }

export function listBranches (repo: Repo, opts: { all?: boolean, remotes?: boolean } = {}): BranchInfo[] {
  const current = repo.refs.currentBranch()
  const out: BranchInfo[] = []
  if (opts.remotes !== true) {
    for (const [ref, cid] of repo.refs.list('refs/heads')) {
      const name = ref.slice('refs/heads/'.length)
      out.push({ name, commit: cid.toString(), current: name === current, remote: false })
    }
  }
  if (opts.all === true || opts.remotes === true) {
    for (const [ref, cid] of repo.refs.list('refs/remotes')) {
      out.push({ name: ref.slice('refs/remotes/'.length), commit: cid.toString(), current: false, remote: true })
    }
  }
  return out
}

export async function createBranch (repo: Repo, name: string, start = 'HEAD', force = false): Promise<BranchInfo> {
  checkNewBranchName(name)
  const release = repo.lock()
  try {
    const ref = `refs/heads/${name}`
    if (!force && repo.refs.read(ref) !== undefined) fail('EXISTS', `a branch named ${name} already exists`)
    const cid = await resolveRev(repo, start)
    await repo.readCommit(cid)
    repo.refs.transaction(`branch: Created from ${start}`).set(ref, cid, force ? undefined : ABSENT).commit()
    return { name, commit: cid.toString(), current: repo.refs.currentBranch() === name, remote: false }
  } finally {
    release()
  }
}

/**
 * `branch -d NAME`: refused when the branch holds commits HEAD does not
 * (they would be left behind), unless `force` (-D). The reflog keeps where it was.
 */
export async function deleteBranch (repo: Repo, name: string, force = false): Promise<{ name: string, commit: string }> {
  const release = repo.lock()
  try {
    const ref = `refs/heads/${name}`
    const cid = repo.refs.read(ref)
    if (cid === undefined) fail('UNKNOWN_REVISION', `branch ${name} not found`)
    if (repo.refs.currentBranch() === name) fail('USAGE', `cannot delete branch ${name}: it is the current branch`, { hint: 'switch to another branch first' })
    const head = repo.refs.headCommit()
    if (!force && (head === undefined || !(await isAncestor(cid.toString(), head.toString(), async (id) => (await repo.readCommit(CID.parse(id))).parents.map(String))))) {
      fail('UNMERGED', `branch ${name} is not fully merged: HEAD does not hold its commits`, {
        data: { branch: name, commit: cid.toString() },
        hint: `merge it first, or delete it anyway with \`acache branch -D ${name}\` (the reflog keeps where it was)`
      })
    }
    repo.refs.transaction(`branch: deleted${force ? ' (forced)' : ''}`).delete(ref, cid).commit()
    return { name, commit: cid.toString() }
  } finally {
    release()
  }
}

/** `branch -m [OLD] NEW`: renames a branch (the current one by default), with its reflog. */
export function renameBranch (repo: Repo, from: string | undefined, to: string, force = false): { from: string, to: string, commit: string } {
  checkNewBranchName(to)
  const release = repo.lock()
  try {
    const old = from ?? repo.refs.currentBranch()
    if (old === undefined) fail('USAGE', 'HEAD is detached: name the branch to rename', { hint: 'acache branch -m OLD NEW' })
    const cid = repo.refs.read(`refs/heads/${old}`)
    if (cid === undefined) fail('UNKNOWN_REVISION', `branch ${old} not found`)
    if (old === to) return { from: old, to, commit: cid.toString() }
    if (!force && repo.refs.read(`refs/heads/${to}`) !== undefined) fail('EXISTS', `a branch named ${to} already exists`, { hint: 'use -M to replace it' })
    const oldLog = repo.layout.log(`refs/heads/${old}`)
    const newLog = repo.layout.log(`refs/heads/${to}`)
    const tx = repo.refs.transaction(`branch: renamed refs/heads/${old} to refs/heads/${to}`)
      .set(`refs/heads/${to}`, cid, force ? undefined : ABSENT)
      .delete(`refs/heads/${old}`, cid, true)
    if (repo.refs.currentBranch() === old) tx.setHead({ ref: `refs/heads/${to}` })
    tx.commit()
    if (fs.existsSync(oldLog)) {
      // the renamed branch keeps its history: the old log comes first
      const moved = fs.readFileSync(oldLog, 'utf8') + (fs.existsSync(newLog) ? fs.readFileSync(newLog, 'utf8') : '')
      fs.mkdirSync(path.dirname(newLog), { recursive: true })
      fs.writeFileSync(newLog, moved)
      fs.rmSync(oldLog, { force: true })
    }
    return { from: old, to, commit: cid.toString() }
  } finally {
    release()
  }
}
