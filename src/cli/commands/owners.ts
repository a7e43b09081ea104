import { define } from '../command.js'
import { owners } from '../../core/owners.js'

export default define({
  builder: (y) => y.positional('path', { type: 'string', describe: 'a path in the working root (a folder answers for what is in it)' }),
  run: async (args, { ctx, out, repo }) => {
    const r = await owners(await repo(), ctx, args.path)
    out.result({ ...r })
    if (r.path !== undefined) {
      out.data(r.owners === null || r.owners === undefined ? `${r.path}: open to every trusted friend (no rule covers it)` : `${r.path}: ${r.owners.join(' ')}`)
      return
    }
    if (r.rules.length === 0) out.data('No ownership rules: every path is open to every trusted friend.')
    for (const rule of r.rules) out.data(`${rule.prefix.padEnd(30)} ${rule.owners.join(' ')}`)
    if (r.rootSigner !== undefined && !r.rules.some(x => x.prefix === '/.acacheowners')) out.data(`${'/.acacheowners'.padEnd(30)} ${r.rootSigner} (signer of the root commit)`)
  }
})
