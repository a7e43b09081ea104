import { define } from '../command.js'
import * as t from '../../core/tag.js'
import { shortCid } from '../../repo/revs.js'

export default define({
  builder: (y) => y
    .positional('name', { type: 'string', describe: 'the tag to make' })
    .positional('rev', { type: 'string', describe: 'the commit (default HEAD)' })
    .option('delete', { alias: 'd', type: 'string', describe: 'delete this tag', requiresArg: true })
    .option('force', { alias: 'f', type: 'boolean', describe: 'move an existing tag' })
    .option('list', { alias: 'l', type: 'boolean', describe: 'list tags (the default without NAME)' }),
  run: async (args, { out, repo }) => {
    const r = await repo()
    if (args.delete !== undefined) {
      const d = t.deleteTag(r, args.delete)
      out.result({ deleted: d })
      out.line(`Deleted tag ${d.name} (was ${shortCid(d.commit)})`)
      return
    }
    if (args.name !== undefined && args.list !== true) {
      const made = await t.createTag(r, args.name, args.rev, args.force === true)
      out.result({ created: made })
      out.line(`Tagged ${shortCid(made.commit)} as ${made.name} (published with your next push)`)
      return
    }
    const tags = t.listTags(r)
    out.result({ tags })
    for (const x of tags) out.data(x.name)
  }
})
