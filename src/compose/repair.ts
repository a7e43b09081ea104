import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { admitBlock } from '../store/blockstore.js'
import { openTransport } from '../remote/open.js'
import { verify, VerifyReport } from '../core/verify.js'

export interface RepairResult { repaired: string[], unrepaired: string[], report: VerifyReport }

/**
 * `verify --repair`: every block verify finds missing or corrupt is fetched
 * again from the remotes (checked against its CID; a corrupt copy is
 * replaced), then verify runs again. A fetch cannot do this: a head it has
 * accepted already is up to date, whatever was lost below it since.
 */
export async function repair (repo: Repo, ctx: Ctx): Promise<RepairResult> {
  const repaired: string[] = []
  const failed = new Set<string>()
  let report = await verify(repo, { progress: ctx.progress, full: true })
  // a block found again may reveal more below it (a damaged directory hid its files): round after round, while each repairs something
  for (;;) {
    const wanted = new Set<string>()
    for (const f of report.failures) if ((f.code === 'MISSING_OBJECT' || f.code === 'CORRUPT_OBJECT') && f.cid !== undefined && !failed.has(f.cid)) wanted.add(f.cid)
    if (wanted.size === 0) break
    const got = await fetchAgain(repo, wanted)
    for (const k of wanted) if (got.includes(k)) repaired.push(k)
    for (const k of wanted) if (!got.includes(k)) failed.add(k)
    if (got.length === 0) break
    report = await verify(repo, { progress: ctx.progress, full: true })
  }
  return { repaired, unrepaired: [...failed], report }
}

/** Each wanted block from the first remote that has it (checked; a corrupt copy replaced). */
async function fetchAgain (repo: Repo, wanted: Set<string>): Promise<string[]> {
  const got: string[] = []
  const release = repo.lock()
  try {
    for (const name of Object.keys(repo.config.remotes)) {
      if (got.length === wanted.size) break
      let t
      try { t = await openTransport(repo.config.remotes[name].url) } catch { continue }
      try {
        for (const k of wanted) {
          if (got.includes(k)) continue
          const cid = CID.parse(k)
          let bytes: Uint8Array
          try { bytes = await t.getBlock(cid) } catch { continue }
          try { admitBlock(cid, bytes) } catch { continue }
          await repo.store.delete(cid) // a corrupt copy goes
          await repo.store.put(cid, bytes)
          got.push(k)
        }
      } finally {
        await t.close()
      }
    }
  } finally {
    release()
  }
  return got
}
