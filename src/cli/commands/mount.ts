import { define } from '../command.js'
import { mount } from '../../core/mount.js'
import { isMounted } from '../../mount/fuse.js'

export default define({
  builder: (y) => y
    .positional('mountpoint', { type: 'string', demandOption: true, describe: 'an empty directory outside the working root' })
    .option('rev', { alias: 'r', type: 'string', describe: 'the commit to mount (branch, alice/main, CID)', requiresArg: true })
    .option('work', { type: 'boolean', describe: 'mount the working root read-write instead' }),
  run: async (args, { ctx, out, repo }) => {
    const m = await mount(await repo(), ctx, { mountpoint: args.mountpoint, rev: args.rev, work: args.work, log: (l) => out.verbose(l) })
    out.result({ mountpoint: m.mountpoint, commit: m.commit, work: m.work })
    out.info(`Mounted ${m.work ? 'the working root (read-write)' : `${args.rev ?? 'HEAD'} (read-only)`} at ${m.mountpoint}; Ctrl-C or \`acache umount ${m.mountpoint}\` unmounts`)
    await new Promise<void>((resolve) => {
      let done = false
      const finish = (): void => { if (!done) { done = true; clearInterval(watch); resolve() } }
      const stop = (): void => { void m.unmount().catch((err) => out.warn(String(err.message))).finally(finish) }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      process.once('SIGHUP', stop)
      // unmounted from outside (acache umount, fusermount -u): we are done
      const watch = setInterval(() => { if (!isMounted(m.mountpoint)) finish() }, 500)
    })
    out.info(`Unmounted ${m.mountpoint}`)
    // fuse-native keeps a thread; leave now that the mount is gone
    await out.done()
    process.exit(out.exitCode)
  }
})
