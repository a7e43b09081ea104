import { define } from '../command.js'
import * as r from '../../core/remotes.js'
import { AcacheError } from '../../errors.js'
import { loadIdentity } from '../../identity/identity.js'

export default define({
  builder: (y) => y
    .positional('action', { choices: ['add', 'list', 'remove', 'rm', 'rename', 'set-url'] as const, describe: 'what to do (default: list)' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'list: with where each publishes and the key it signs with' })
    .positional('name', { type: 'string', describe: 'what you call this friend (used as NAME/branch)' })
    .positional('target', { type: 'string', describe: 'where they publish (a path, file:// or http://), or their `acache id export` message' })
    .option('key', { type: 'string', describe: 'the did:key their heads must be signed with', requiresArg: true }),
  run: async (args, { ctx, out, repo }) => {
    const rp = await repo()
    if (args.action === undefined || args.action === 'list') {
      const list = r.listRemotes(rp)
      out.result({ remotes: list })
      // as git's: names alone, -v with where (and here, whose key)
      for (const x of list) out.data(args.action === 'list' || args.verbose === true ? `${x.name}\t${x.url}\t${x.key}${x.seq !== undefined ? `\tseq ${x.seq}` : ''}` : x.name)
      return
    }
    if (args.action === 'rename') {
      if (args.name === undefined || args.target === undefined) throw new AcacheError('USAGE', 'remote rename OLD NEW')
      const x = r.renameRemote(rp, args.name, args.target)
      out.result({ renamed: { from: args.name, ...x } })
      out.line(`Renamed remote ${args.name} to ${x.name} (its branches are now ${x.name}/...)`)
      return
    }
    if (args.action === 'set-url') {
      if (args.name === undefined || args.target === undefined) throw new AcacheError('USAGE', 'remote set-url NAME URL')
      const x = r.setRemoteUrl(rp, args.name, args.target)
      out.result({ updated: x })
      out.line(`Remote ${x.name} now publishes at ${x.url} (heads signed by ${x.key})`)
      return
    }
    if (args.name === undefined) throw new AcacheError('USAGE', `remote ${args.action} needs a NAME`)
    if (args.action === 'remove' || args.action === 'rm') {
      const x = r.removeRemote(rp, args.name)
      out.result({ removed: x })
      out.line(`Removed remote ${x.name}`)
      return
    }
    if (args.target === undefined) throw new AcacheError('USAGE', 'remote add needs a URL (with --key) or a message', { hint: 'acache remote add alice acache:...' })
    const x = r.addRemote(rp, args.name, args.target, args.key, loadIdentity(ctx.home)?.key)
    out.result({ added: x })
    out.line(`Added remote ${x.name}: ${x.url} (heads signed by ${x.key}${x.own === true ? ': your own key, as no --key was given (a store you push to)' : ''})`)
    out.info(`Next: acache fetch ${x.name}`)
  }
})
