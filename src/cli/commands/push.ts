import { define } from '../command.js'

export default define({
  command: 'push [remote]',
  describe: 'Publish your branches: send the blocks a remote lacks, then a new signed head (no REMOTE: publish here)',
  builder: (y) => y
    .positional('remote', { type: 'string', describe: 'where to publish (default: this repository)' })
    .option('verify', { type: 'boolean', default: true, describe: 'run the pre-push hook (--no-verify skips it)' }),
  run: async (args, { ctx, out, repo }) => {
    const { push } = await import('../../core/push.js')
    const r = await push(await repo(), ctx, { remote: args.remote, noVerify: args.verify === false })
    out.result({ ...r })
    out.info(`Published ${Object.keys(r.branches).join(', ')} as seq ${r.seq} at ${r.url}${r.remote !== undefined ? ` (${r.blocks} blocks, ${r.bytes} bytes sent)` : ''}`)
  }
})
