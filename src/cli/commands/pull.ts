import { define } from '../command.js'
import { printConflicts } from '../render.js'

export default define({
  command: 'pull [remote] [branch]',
  describe: 'Fetch a remote and merge its branch (default: the one named like yours) into the working root',
  builder: (y) => y
    .positional('remote', { type: 'string', describe: 'which remote (default: the only one)' })
    .positional('branch', { type: 'string', describe: 'their branch (default: yours)' }),
  run: async (args, { ctx, out, repo }) => {
    const { AcacheError } = await import('../../errors.js')
    const { fetch } = await import('../../core/fetch.js')
    const { merge } = await import('../../core/merge.js')
    const rp = await repo()
    const remotes = Object.keys(rp.config.remotes)
    const remote = args.remote ?? (remotes.length === 1 ? remotes[0] : undefined)
    if (remote === undefined) throw new AcacheError('USAGE', 'pull from which remote?', { hint: `one of: ${remotes.join(', ') || '(none yet)'}` })
    const fetched = await fetch(rp, ctx, { remote })
    const branch = args.branch ?? rp.currentBranch() ?? 'main'
    const m = await merge(rp, ctx, { rev: `${remote}/${branch}` })
    out.result({ fetched, merge: m })
    out.info(`merge ${remote}/${branch}: ${m.result}`)
    printConflicts(out, m.conflicts)
    if (m.result === 'conflicts') out.setExit(1)
  }
})
