import { define } from '../command.js'
import { printConflicts } from '../render.js'
import { pull } from '../../compose/pull.js'

export default define({
  builder: (y) => y
    .positional('remote', { type: 'string', describe: 'which remote (default: the only one)' })
    .positional('branch', { type: 'string', describe: 'their branch (default: yours)' }),
  run: async (args, { ctx, out, repo }) => {
    const p = await pull(await repo(), ctx, { remote: args.remote, branch: args.branch })
    out.result({ fetched: p.fetched, merge: p.merge })
    out.info(`merge ${p.remote}/${p.branch}: ${p.merge.result}`)
    printConflicts(out, p.merge.conflicts)
    if (p.merge.result === 'conflicts') out.setExit(1)
  }
})
