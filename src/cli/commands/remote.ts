import { define } from '../command.js'

export default define({
  command: 'remote <action> [name] [target]',
  describe: 'Friends\' nodes: add NAME URL --key DID | add NAME MESSAGE, list, remove NAME',
  builder: (y) => y
    .positional('action', { choices: ['add', 'list', 'remove'] as const })
    .positional('name', { type: 'string', describe: 'what you call this friend (used as NAME/branch)' })
    .positional('target', { type: 'string', describe: 'where they publish (a path, file:// or http://), or their `acache id export` message' })
    .option('key', { type: 'string', describe: 'the did:key their heads must be signed with', requiresArg: true }),
  run: async (args, { ctx, out, repo }) => {
    const { AcacheError } = await import('../../errors.js')
    const r = await import('../../core/remotes.js')
    const rp = await repo()
    if (args.action === 'list') {
      const list = r.listRemotes(rp)
      out.result({ remotes: list })
      for (const x of list) out.line(`${x.name}\t${x.url}\t${x.key}${x.seq !== undefined ? `\tseq ${x.seq}` : ''}`)
      return
    }
    if (args.name === undefined) throw new AcacheError('USAGE', `remote ${args.action} needs a NAME`)
    if (args.action === 'remove') {
      const x = r.removeRemote(rp, args.name)
      out.result({ removed: x })
      out.line(`Removed remote ${x.name}`)
      return
    }
    if (args.target === undefined) throw new AcacheError('USAGE', 'remote add needs a URL (with --key) or a message', { hint: 'acache remote add alice acache:...' })
    const { loadIdentity } = await import('../../identity/identity.js')
    const x = r.addRemote(rp, args.name, args.target, args.key, loadIdentity(ctx.home)?.key)
    out.result({ added: x })
    out.line(`Added remote ${x.name}: ${x.url} (heads signed by ${x.key}${x.own === true ? ': your own key, as no --key was given (a store you push to)' : ''})`)
    out.info(`Next: acache fetch ${x.name}`)
  }
})
