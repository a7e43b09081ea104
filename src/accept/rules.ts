/**
 * What may enter a repository: the one list. Every arrival path (fetch from
 * any transport, clone, bundle import, a push to `serve`, a block a partial
 * fetch left at the remote and read later, verify --repair) goes through
 * the functions named here, and only these decide; the README's "What may
 * enter" table is this list. A unit test checks that each function named
 * exists where it is said to be, and that no other module calls the
 * primitives underneath them (a second copy of a rule is a future bypass).
 *
 * Two of the rules must be applied below this module, by the block walk
 * itself (remote/sync.ts, store/lazy.ts): a block's bytes and size, and a
 * commit's signature. They are one function each, in the lowest layer that
 * knows what they check, and named here.
 */
export interface Rule {
  /** what must hold */
  rule: string
  /** the one function that decides it: "src/FILE.ts#name" */
  where: string
  /** the arrival paths it applies to */
  on: string
}

const ALL = 'fetch, clone, bundle import, push to serve'

export const RULES: Rule[] = [
  { rule: 'a head is at most 1 MiB, a valid signed head whose signature matches the key expected of its sender, and names only commits (dag-json) as branches', where: 'src/accept/head.ts#checkHead', on: ALL },
  { rule: 'a head is not older than the last accepted from that sender (a replay), nor a different head with the same seq; a partial head (a bundle of some branches) is newer than what set each branch it names', where: 'src/accept/head.ts#checkHead', on: 'fetch, clone, bundle import' },
  { rule: 'what was accepted from a remote is readable, or nothing is accepted from it (a damaged record fails closed)', where: 'src/services/remote-state.ts#readRemoteState', on: 'fetch, clone, bundle import' },
  { rule: 'an accepted head makes refs/remotes/NAME exactly its branches (a partial head: only those it names); a tag that would move is refused unless fetch --force; every move is in that ref\'s reflog', where: 'src/accept/refs.ts#moveRemoteRefs', on: 'fetch, clone, bundle import' },
  { rule: 'a head pushed to serve by a key one of our remotes has moves that remote\'s refs here, as a fetch from it would, only when newer than what was accepted from it', where: 'src/accept/refs.ts#acceptPushedAsRemote', on: 'push to serve' },
  { rule: 'a pushed head is a full head (never a partial one), from a key the server trusts, above the seq it publishes for that key', where: 'src/accept/head.ts#checkPushedHead', on: 'push to serve' },
  { rule: 'a pushed block is reached from the head through the blocks before it (nothing else is staged); pushes side by side and staged bytes in all are bounded', where: 'src/serve/push.ts#receivePush', on: 'push to serve' },
  { rule: 'a block is at most 2 MiB and its bytes hash (SHA-256) to its CID', where: 'src/store/blockstore.ts#admitBlock', on: `${ALL}, blocks read later, verify --repair` },
  { rule: 'a block is linked as what it must be: a commit\'s parents are commits, its tree and all below it UnixFS (dag-pb or raw); HAMT shards of fanout 256', where: 'src/remote/sync.ts#expand', on: ALL },
  { rule: 'a commit is valid and signed by its author\'s key; a git origin, when it has one, is a git commit object of at most 4 MiB whose SHA-1 is the ID it gives', where: 'src/model/commit.ts#admitCommit', on: `${ALL}, blocks read later, merge of history fetched in part` },
  { rule: 'a tree entry name is one plain component, never ".", "..", "/" or NUL, never .acache or .git in any spelling a file system makes one of them (case, trailing dots and spaces, NTFS streams, 8.3 names, HFS+-ignored code points)', where: 'src/model/tree.ts#checkName', on: `${ALL}, every read of a tree` },
  { rule: 'every new tree within the entry limit (ACACHE_MAX_TREE_ENTRIES) and the path length limit', where: 'src/model/tree.ts#countEntries', on: ALL },
  { rule: 'no directory holds two names one case-insensitive file system makes one file', where: 'src/accept/arrival.ts#admitDirectoryNames', on: `${ALL}, import git, git push to git-remote-acache` },
  { rule: 'a git commit becomes a commit (signed by the importer) only when every entry of its trees is a file, an executable, a symlink, a directory or a submodule, with a name the tree-entry rule allows, and it changes only paths the importer owns', where: 'src/core/git-import.ts#admitGitTree', on: 'import git, git push to git-remote-acache' },
  { rule: 'every new commit changes only paths its signer owns under its parents\' .acacheowners (paths compared folded: case, Unicode normalization)', where: 'src/services/ownership.ts#checkHistoryOwnership', on: `${ALL}, merge of history fetched in part` },
  { rule: 'a file declares its size in its root node and every node\'s parts add up to it; it is read in bounded memory, and refused by its declared size where a limit applies (.acacheowners, text to diff or merge, a checkout larger than the free space)', where: 'src/model/file.ts#readFileContent', on: 'every read of a file' },
  { rule: 'blocks wait in a private staging directory, land only when everything above holds, children first; a staging directory is taken over only from a process that died and only when it is a real directory', where: 'src/accept/staging.ts#resumeStaging', on: 'fetch, clone' },
  { rule: 'nothing is stored and no ref moves unless every rule holds (receive without the lock, admit and land under it)', where: 'src/accept/arrival.ts#acceptArrival', on: ALL }
]
