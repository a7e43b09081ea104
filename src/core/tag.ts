import { ABSENT, Repo, checkBranchName } from '../repo/repo.js'
import { resolveRev } from '../repo/revs.js'
import { fail } from '../errors.js'

export interface TagInfo { name: string, commit: string }

/**
 * Tags are names for commits that do not move (refs/tags/NAME). They travel
 * with the signed head a push publishes, as the branch-like entries
 * tags/NAME, so a friend who fetches sees alice's v1 as alice/tags/v1.
 */
export function listTags (repo: Repo): TagInfo[] {
  return repo.refs.list('refs/tags').map(([ref, cid]) => ({ name: ref.slice('refs/tags/'.length), commit: cid.toString() }))
}

export async function createTag (repo: Repo, name: string, rev = 'HEAD', force = false): Promise<TagInfo> {
  checkBranchName(name)
  const release = repo.lock()
  try {
    const ref = `refs/tags/${name}`
    const cid = await resolveRev(repo, rev)
    await repo.readCommit(cid)
    const old = repo.refs.read(ref)
    if (old !== undefined && !force && !old.equals(cid)) fail('EXISTS', `tag ${name} already exists (at ${old.toString()})`, { hint: 'tags do not move: use -f to move it anyway' })
    repo.refs.transaction(`tag: ${old === undefined ? 'created' : 'moved'} ${name}`).set(ref, cid, force ? undefined : old ?? ABSENT).commit()
    return { name, commit: cid.toString() }
  } finally {
    release()
  }
}

export function deleteTag (repo: Repo, name: string): TagInfo {
  const release = repo.lock()
  try {
    const cid = repo.refs.read(`refs/tags/${name}`)
    if (cid === undefined) fail('UNKNOWN_REVISION', `tag ${name} not found`)
    repo.refs.transaction(`tag: deleted ${name}`).delete(`refs/tags/${name}`, cid).commit()
    return { name, commit: cid.toString() }
  } finally {
    release()
  }
}
