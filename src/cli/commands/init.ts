import { define } from '../command.js'

export default define({
  command: 'init [dir]',
  describe: 'Make a new repository (working root + embedded store, branch main)',
  builder: (y) => y
    .positional('dir', { type: 'string', describe: 'where (default: the current directory)' })
    .option('bare', { type: 'boolean', describe: 'a bare store for others to push to: no working root' })
    .option('branch', { alias: 'b', type: 'string', describe: 'name of the first branch', default: 'main' }),
  run: async (args, { ctx, out }) => {
    const { init } = await import('../../core/init.js')
    const path = await import('node:path')
    const r = init(path.resolve(ctx.cwd, args.dir ?? '.'), { bare: args.bare, branch: args.branch })
    out.result({ ...r })
    out.line(`Initialized empty acache ${r.bare ? 'bare store' : 'repository'} in ${r.dir} (branch ${r.branch})`)
  }
})
