import { define } from '../command.js'
import path from 'node:path'
import { unmount } from '../../mount/fuse.js'

export default define({
  builder: (y) => y
    .positional('mountpoint', { type: 'string', demandOption: true })
    .option('lazy', { type: 'boolean', describe: 'detach now even if files are open; finish when they close' }),
  run: async (args, { ctx, out }) => {
    const mp = path.resolve(ctx.cwd, args.mountpoint)
    unmount(mp, { lazy: args.lazy })
    out.result({ unmounted: mp })
    out.info(`Unmounted ${mp}`)
  }
})
