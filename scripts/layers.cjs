/**
 * The layers of acache, outside in (README, "How the code is laid out"):
 * each a name and the folders (or files) of src/ in it. A module imports
 * from its own layer and those below it, never above (and the modules of
 * an APART folder not from one another). Read by
 * .dependency-cruiser.cjs (the compiled code) and check-ts-imports.mjs (the
 * TypeScript sources).
 */
const LAYERS = [
  ['cli', ['cli', 'web']],
  ['compose', ['compose']],
  ['core', ['core']],
  ['services', ['services', 'accept', 'serve']],
  ['domain', ['worktree', 'merge', 'remote', 'mount', 'identity']],
  ['repo', ['repo']],
  ['model', ['model']],
  ['store', ['store']],
  ['base', ['util', 'errors.js', 'context.js']]
]
/**
 * Folders whose modules never import one another: an operation of core/ is
 * one operation; what several share lives below it, and an operation made
 * of others (clone, pull, cherry-pick, repair, the git remote helper's) is
 * in compose/.
 */
const APART = ['core']
module.exports = { LAYERS, APART }
