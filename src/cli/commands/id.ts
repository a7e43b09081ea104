import { define } from '../command.js'
import * as id from '../../core/id.js'
import { requireIdentity } from '../../identity/identity.js'

export default define({
  builder: (y) => y
    .positional('action', { choices: ['new', 'show', 'export'] as const, describe: 'what to do' })
    .option('name', { type: 'string', describe: 'with new: the name shown with your commits (default: your login)' })
    .option('publish', { type: 'array', string: true, describe: 'with export: where you publish (path or URL); repeatable' }),
  run: async (args, { ctx, out }) => {
    if (args.action === 'new') {
      const made = id.newIdentity(ctx.home, args.name)
      out.result({ name: made.name, key: made.key, file: made.file })
      out.line(`Created identity ${made.name}: ${made.key}`)
      out.line(`The secret key is in ${made.file} (mode 0600): back it up, never share it.`)
      return
    }
    if (args.action === 'show') {
      const me = requireIdentity(ctx.home)
      out.result({ name: me.name, key: me.key })
      out.data(`${me.name} ${me.key}`)
      return
    }
    const e = id.exportIdentity(ctx.home, ctx.cwd, (args.publish ?? []).map(String))
    out.result({ ...e })
    if (!out.json) out.raw(e.message + '\n')
  }
})
