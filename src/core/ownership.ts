import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Commit } from '../model/commit.js'
import { BlockStore } from '../store/blockstore.js'

/** Ownership rules over new history (DESIGN §6): filled in by the ownership issue. */
export async function checkHistoryOwnership (_repo: Repo, _commits: Array<{ cid: CID, commit: Commit }>, _store: BlockStore): Promise<void> {}
