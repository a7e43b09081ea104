import { define } from '../command.js'

export default define({
  command: 'umount <mountpoint>',
  describe: 'Unmount what acache mount mounted (also clears a stale mount left by a crash)',
  builder: (y) => y
    .positional('mountpoint', { type: 'string', demandOption: true })
    .option('lazy', { type: 'boolean', describe: 'detach now even if files are open; finish when they close' }),
  run: async (args, { ctx, out }) => {
    const path = await import('node:path')
    const { unmount } = await import('../../mount/fuse.js')
    const mp = path.resolve(ctx.cwd, args.mountpoint)
    unmount(mp, { lazy: args.lazy })
    out.result({ unmounted: mp })
    out.info(`Unmounted ${mp}`)
  }
})
