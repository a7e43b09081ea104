import { define } from '../command.js'
import { AcacheError } from '../../errors.js'
import { switchTo } from '../../core/switch.js'
import { shortCid } from '../../repo/revs.js'

export default define({
  builder: (y) => y
    .positional('rev', { type: 'string', describe: 'branch, remote branch or commit' })
    .option('create', { alias: 'c', type: 'string', describe: 'make branch NAME at REV (default HEAD) and switch to it', requiresArg: true })
    .option('detach', { type: 'boolean', describe: 'leave HEAD at the commit, not on a branch' })
    .option('force', { alias: 'f', type: 'boolean', describe: 'discard local changes that stand in the way' })
    .option('sparse', { type: 'string', array: true, describe: 'check out only these paths (files or directories), kept as the sparse set; --no-sparse: the whole tree again' }),
  run: async (args, { ctx, out, repo }) => {
    // --sparse PATH... sets the set; --no-sparse (yargs gives false, or [false]) drops it
    const given: unknown = args.sparse
    const off = given === false || (Array.isArray(given) && given.length === 1 && given[0] === false)
    const sparse: string[] | null | undefined = off ? null : Array.isArray(given) ? given.map(String) : undefined
    if (sparse !== undefined && sparse !== null && sparse.length === 0) throw new AcacheError('USAGE', '--sparse needs the paths to check out', { hint: 'acache switch --sparse src docs (or --no-sparse for the whole tree)' })
    if (args.rev === undefined && args.create === undefined && sparse === undefined) throw new AcacheError('USAGE', 'switch to what?', { hint: 'acache switch BRANCH, or acache switch -c NEW' })
    const r = await switchTo(await repo(), ctx, { target: args.rev ?? 'HEAD', create: args.create, detach: args.detach, force: args.force, sparse })
    out.result({ ...r })
    if (r.sparse !== undefined) out.info(r.sparse === null ? 'Checked out the whole tree (no sparse set)' : `Sparse checkout of ${r.sparse.join(', ')} (${r.sparseWritten ?? 0} written, ${r.sparseRemoved ?? 0} removed)`)
    if (args.rev === undefined && args.create === undefined) return
    if (r.created !== undefined) out.info(`Switched to a new branch '${r.created}'`)
    else if (r.branch !== undefined) out.info(`Switched to branch '${r.branch}'`)
    else out.info(`HEAD is now at ${shortCid(r.commit)} (detached)`)
    // as git's: the tracked files carried along, M or D (new files simply stay, as untracked ones do in git)
    for (const c of r.keptChanges) if (c.change !== 'added') out.info(`${c.change === 'deleted' ? 'D' : 'M'}\t${c.path}`)
    if (r.leftBehind !== undefined) {
      const n = r.leftBehind.count
      out.warn(`you are leaving ${n} commit${n === 1 ? '' : 's'} behind, not held by any branch (the last is ${shortCid(r.leftBehind.commit)}); to keep ${n === 1 ? 'it' : 'them'}: acache branch NAME ${shortCid(r.leftBehind.commit)} (the reflog also remembers it)`)
    }
  }
})
