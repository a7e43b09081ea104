import { define } from '../command.js'
import * as r from '../../core/replica.js'
import { AcacheError } from '../../errors.js'
import { printReplicas } from '../render.js'

export default define({
  builder: (y) => y
    .positional('action', { choices: ['add', 'list', 'status', 'remove', 'rm', 'origins'] as const, describe: 'what to do (default: list)' })
    .positional('name', { type: 'string', describe: 'what you call this replica (add, remove; status: only this one; origins: an address)' })
    .positional('url', { type: 'string', describe: 'add: a Pinning Service API endpoint (https://HOST/PATH; IPFS Cluster: http://HOST:9097) or a Kubo node (kubo://HOST:PORT, its RPC API)' })
    .option('token-env', { type: 'string', requiresArg: true, describe: 'add: the environment variable that holds the service\'s access token (the token itself is never stored)' })
    .option('prefix', { type: 'string', requiresArg: true, describe: 'add: pins are named PREFIX/BRANCH (default: the repository directory\'s name)' })
    .option('unpin', { type: 'boolean', describe: 'remove: first ask the replica to drop the pins acache made there' })
    .option('clear', { type: 'boolean', describe: 'origins: forget the addresses set before' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'list: with the URL, the token variable and the pin name prefix' }),
  run: async (args, { ctx, out, repo }) => {
    const rp = await repo()
    const action = args.action ?? 'list'
    if (action === 'list') {
      const list = r.listReplicas(rp)
      out.result({ replicas: list })
      for (const x of list) out.data(args.verbose === true || args.action === 'list' ? `${x.name}\t${x.url}${x.tokenEnv !== undefined ? `\ttoken in $${x.tokenEnv}` : ''}\tpins named ${x.prefix}/BRANCH` : x.name)
      return
    }
    if (action === 'origins') {
      const addrs = [args.name, args.url, ...(args._ as unknown[]).slice(2)].filter((a): a is string => typeof a === 'string')
      const list = r.setOrigins(rp, addrs, args.clear === true)
      out.result({ origins: list })
      if (list.length === 0) out.line('No origins set: services are given the addresses of your Kubo replicas only')
      for (const a of list) out.data(a)
      return
    }
    if (action === 'status') {
      const s = await r.replicaStatus(rp, ctx, { names: args.name === undefined ? undefined : [args.name] })
      const failed = s.replicas.find(x => x.error !== undefined)
      out.result({ ok: failed === undefined, ...s })
      if (s.replicas.length === 0) out.line('No replicas: add one with `acache replica add NAME URL`')
      printReplicas(out, s.replicas)
      for (const w of s.warnings) out.warn(w)
      if (failed !== undefined) out.setExit(exitOf(failed.error!.code))
      return
    }
    if (args.name === undefined) throw new AcacheError('USAGE', `replica ${action} needs a NAME`)
    if (action === 'remove' || action === 'rm') {
      const x = await r.removeReplica(rp, args.name, { unpin: args.unpin === true })
      out.result({ removed: x })
      out.line(`Removed replica ${x.name}${args.unpin === true ? ` (${x.unpinned} pin${x.unpinned === 1 ? '' : 's'} dropped there)` : ' (its pins stay there: --unpin drops them)'}`)
      return
    }
    if (args.url === undefined) throw new AcacheError('USAGE', 'replica add NAME URL [--token-env VAR]', { hint: 'acache replica add backup https://pins.example.com/psa --token-env PINNING_TOKEN' })
    const x = r.addReplica(rp, args.name, args.url, { tokenEnv: args['token-env'], prefix: args.prefix })
    out.result({ added: x })
    out.line(`Added replica ${x.name}: ${x.url} (${x.kind === 'kubo' ? 'a Kubo node' : 'a pinning service'}${x.tokenEnv !== undefined ? `, token read from $${x.tokenEnv}` : ''}; pins named ${x.prefix}/BRANCH)`)
    if (x.tokenEnv !== undefined && x.tokenSet !== true) out.warn(`$${x.tokenEnv} is not set now: set it before \`acache replicate\``)
    out.info('Next: acache replicate (and every acache push replicates too)')
  }
})

/** The exit code of a replica's failure: 5 for one that cannot be reached, 2 for a refused token or a bad answer. */
export function exitOf (code: string): number {
  return code === 'UNREACHABLE' || code === 'TOO_LARGE' ? 5 : code === 'AUTH_FAILED' || code === 'BAD_OBJECT' || code === 'BAD_INPUT' ? 2 : 1
}
