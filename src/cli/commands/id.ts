import { define } from '../command.js'

export default define({
  command: 'id <action>',
  describe: 'Your identity: make a key (new), print it (show), print it as a message for friends (export)',
  builder: (y) => y
    .positional('action', { choices: ['new', 'show', 'export'] as const, describe: 'what to do' })
    .option('name', { type: 'string', describe: 'with new: the name shown with your commits (default: your login)' })
    .option('publish', { type: 'array', string: true, describe: 'with export: where you publish (path or URL); repeatable' }),
  run: async (args, { ctx, out }) => {
    const ident = await import('../../identity/identity.js')
    if (args.action === 'new') {
      const os = await import('node:os')
      const id = ident.createIdentity(ctx.home, args.name ?? os.userInfo().username)
      out.result({ name: id.name, key: id.key, file: ident.identityPath(ctx.home) })
      out.line(`Created identity ${id.name}: ${id.key}`)
      out.line(`The secret key is in ${ident.identityPath(ctx.home)} (mode 0600): back it up, never share it.`)
      return
    }
    const id = ident.requireIdentity(ctx.home)
    if (args.action === 'show') {
      out.result({ name: id.name, key: id.key })
      out.data(`${id.name} ${id.key}`)
      return
    }
    const { makeIdentityMessage } = await import('../../model/message.js')
    // a path is recorded absolute: the friend who reads it is not in your directory
    const path = await import('node:path')
    const publish = (args.publish ?? []).map(String).map((p: string) => /^[a-z][a-z0-9+.-]*:\/\//.test(p) ? p : path.resolve(ctx.cwd, p))
    const message = makeIdentityMessage(id.key, id.name, publish, id.secretKey)
    out.result({ name: id.name, key: id.key, publish, message })
    if (!out.json) out.raw(message + '\n')
  }
})
