import { define } from '../command.js'
import { clone } from '../../compose/clone.js'
import { shortCid } from '../../repo/revs.js'

export default define({
  builder: (y) => y
    .positional('source', { type: 'string', describe: 'their acache:... line, a path or URL where they publish, or a bundle file', demandOption: true })
    .positional('dir', { type: 'string', describe: 'where (default: named after the source)' })
    .option('key', { type: 'string', describe: 'the did:key their heads must be signed with (the line carries it)', requiresArg: true })
    .option('origin', { alias: 'o', type: 'string', describe: 'the remote\'s name (default: theirs, from the line; else origin)', requiresArg: true })
    .option('branch', { alias: 'b', type: 'string', describe: 'which of their branches to check out (default main, else their first)', requiresArg: true })
    .option('sparse', { type: 'string', array: true, describe: 'fetch and check out only these paths (files or directories; kept as the sparse set, see switch --sparse)' })
    .option('depth', { type: 'number', describe: 'fetch only the last N commits of each branch (older history comes when read)', requiresArg: true }),
  run: async (args, { ctx, out }) => {
    const r = await clone(ctx, args.source, { key: args.key, dir: args.dir, name: args.origin, branch: args.branch, depth: args.depth, sparse: args.sparse })
    out.result({ ...r })
    out.line(`Cloned into ${r.dir}: remote ${r.remote} (${r.url}), heads signed by ${r.key}`)
    if (r.branch !== undefined) out.line(`On branch ${r.branch} at ${shortCid(r.commit ?? '')}, from ${r.remote}/${r.branch}; \`acache pull\` brings their new work`)
    else out.line('They publish no branches yet: `acache fetch` later')
  }
})
