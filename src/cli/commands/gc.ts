import { define } from '../command.js'
import { humanBytes } from '../../util/human.js'
import { gc } from '../../core/gc.js'

export default define({
  builder: (y) => y
    .option('dry-run', { alias: 'n', type: 'boolean', describe: 'report what would go, drop nothing' })
    .option('now', { type: 'boolean', describe: 'also drop unreachable blocks written in the last hour' })
    .option('pack', { type: 'boolean', describe: 'make a store kept a file a block (flatfs, as before packs) packed: its small blocks go into a pack' }),
  run: async (args, { ctx, out, repo }) => {
    const r = await gc(await repo(), ctx, { dryRun: args.dryRun, now: args.now, pack: args.pack === true })
    out.result({ ...r })
    if (r.kubo !== undefined) {
      out.line(`${r.dryRun ? 'Would keep' : 'Kept'} ${r.kubo.pinned} roots pinned in the Kubo node at ${r.kubo.api}; ${r.dryRun ? 'would unpin' : 'unpinned'} ${r.kubo.unpinned} this repository no longer reaches`)
      out.line('The node drops unpinned blocks on its own GC: run `ipfs repo gc` there to free the space now')
      return
    }
    out.line(`${r.dryRun ? 'Would drop' : 'Dropped'} ${r.dropped.blocks} blocks (${humanBytes(r.dropped.bytes)}); kept ${r.kept.blocks} (${humanBytes(r.kept.bytes)})${r.young > 0 ? `, ${r.young} of them unreachable but younger than an hour (--now drops them)` : ''}`)
  }
})
