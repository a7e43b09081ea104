import { CID } from 'multiformats/cid'
import { Repo, checkBranchName } from '../repo/repo.js'
import { fail } from '../errors.js'
import { resolveRev } from '../repo/revs.js'

/** Pins: names that keep a commit (and all it reaches) from gc, as refs/pins/NAME. */
export function listPins (repo: Repo): Array<{ name: string, commit: string }> {
  return repo.refs.list('refs/pins').map(([ref, cid]) => ({ name: ref.slice('refs/pins/'.length), commit: cid.toString() }))
}

/** `pin NAME [REV]`: keeps REV (default HEAD) under NAME. */
export async function addPin (repo: Repo, name: string, rev = 'HEAD'): Promise<CID> {
  checkBranchName(name)
  const release = repo.lock()
  try {
    const cid = await resolveRev(repo, rev)
    await repo.readCommit(cid)
    repo.refs.transaction(`pin: ${name}`).set(`refs/pins/${name}`, cid).commit()
    return cid
  } finally {
    release()
  }
}

/** `pin --remove NAME`. */
export function removePin (repo: Repo, name: string): void {
  checkBranchName(name)
  const release = repo.lock()
  try {
    const old = repo.refs.read(`refs/pins/${name}`)
    if (old === undefined) fail('UNKNOWN_REVISION', `no pin named ${name}`)
    repo.refs.transaction(`pin: removed ${name}`).delete(`refs/pins/${name}`, old).commit()
  } finally {
    release()
  }
}
