import { define } from '../command.js'
import { push } from '../../core/push.js'
import { replicaConfigs } from '../../services/replicas.js'
import { replicate } from '../../core/replica.js'
import { printReplicas } from '../render.js'
import { exitOf } from './replica.js'

export default define({
  builder: (y) => y
    .positional('remote', { type: 'string', describe: 'where to publish (default: this repository)' })
    .option('verify', { type: 'boolean', default: true, describe: 'run the pre-push hook (--no-verify skips it)' })
    .option('replicate', { type: 'boolean', default: true, describe: 'then ask every replica to hold the branch heads (`acache replica`; --no-replicate skips it)' }),
  run: async (args, { ctx, out, repo }) => {
    const rp = await repo()
    const r = await push(rp, ctx, { remote: args.remote, noVerify: args.verify === false })
    if (args.replicate === false || Object.keys(replicaConfigs(rp)).length === 0) {
      out.result({ ...r })
      out.info(`Published ${Object.keys(r.branches).join(', ')} as seq ${r.seq} at ${r.url}${r.remote !== undefined ? ` (${r.blocks} blocks, ${r.bytes} bytes sent)` : ''}`)
      return
    }
    out.info(`Published ${Object.keys(r.branches).join(', ')} as seq ${r.seq} at ${r.url}${r.remote !== undefined ? ` (${r.blocks} blocks, ${r.bytes} bytes sent)` : ''}; replicating`)
    // the push stands whatever the replicas say: one that fails is said, and asked again next time
    const rep = await replicate(rp, ctx)
    const failed = rep.replicas.find(x => x.error !== undefined)
    out.result({ ...r, replicated: failed === undefined, replicas: rep.replicas, replicaWarnings: rep.warnings })
    if (!out.opts.quiet) printReplicas(out, rep.replicas)
    else for (const x of rep.replicas) if (x.error !== undefined) out.finding(`error: ${x.error.message}`)
    for (const w of rep.warnings) out.warn(w)
    if (failed !== undefined) {
      out.info(`The push itself is done; what ${failed.name} did not take is asked for again by the next push or \`acache replicate\``)
      out.setExit(exitOf(failed.error!.code))
    }
  }
})
