import { define } from '../command.js'
import { printConflicts } from '../render.js'

export default define({
  command: 'pull [remote] [branch]',
  describe: 'Fetch a remote and merge its branch (default: the one named like yours) into the working root',
  builder: (y) => y
    .positional('remote', { type: 'string', describe: 'which remote (default: the only one)' })
    .positional('branch', { type: 'string', describe: 'their branch (default: yours)' }),
  run: async (args, { ctx, out, repo }) => {
    const { pull } = await import('../../compose/pull.js')
    const p = await pull(await repo(), ctx, { remote: args.remote, branch: args.branch })
    out.result({ fetched: p.fetched, merge: p.merge })
    out.info(`merge ${p.remote}/${p.branch}: ${p.merge.result}`)
    printConflicts(out, p.merge.conflicts)
    if (p.merge.result === 'conflicts') out.setExit(1)
  }
})
