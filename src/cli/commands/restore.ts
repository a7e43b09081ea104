import { define } from '../command.js'
import { restore } from '../../core/restore.js'

export default define({
  paths: 'paths',
  builder: (y) => y
    .positional('paths', { type: 'string', array: true, describe: 'files or directories' })
    .option('source', { alias: 's', type: 'string', describe: 'the commit to take them from (default HEAD)', requiresArg: true })
    .option('force', { alias: 'f', type: 'boolean', describe: 'also replace untracked files or directories in the way' }),
  run: async (args, { ctx, out, repo }) => {
    const r = await restore(await repo(), ctx, { paths: args.paths ?? [], source: args.source, force: args.force })
    out.result({ ...r })
    out.info(`Restored ${r.restored.length} file${r.restored.length === 1 ? '' : 's'}${r.removed.length > 0 ? `, removed ${r.removed.length}` : ''}${r.discarded.length > 0 ? ` (local changes discarded: ${r.discarded.length})` : ''}`)
  }
})
