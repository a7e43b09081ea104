import { define } from '../command.js'

export default define({
  command: 'gc',
  describe: 'Drop blocks that no branch, remote branch, pin, HEAD or merge under way reaches',
  builder: (y) => y
    .option('dry-run', { alias: 'n', type: 'boolean', describe: 'report what would go, drop nothing' })
    .option('now', { type: 'boolean', describe: 'also drop unreachable blocks written in the last hour' }),
  run: async (args, { ctx, out, repo }) => {
    const { gc } = await import('../../core/gc.js')
    const r = await gc(await repo(), ctx, { dryRun: args.dryRun, now: args.now })
    out.result({ ...r })
    out.line(`${r.dryRun ? 'Would drop' : 'Dropped'} ${r.dropped.blocks} blocks (${r.dropped.bytes} bytes); kept ${r.kept.blocks} (${r.kept.bytes} bytes)${r.young > 0 ? `, ${r.young} of them unreachable but younger than an hour (--now drops them)` : ''}`)
  }
})
