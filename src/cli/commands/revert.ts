import { applyCommand } from './apply.js'

export default applyCommand('revert', 'Record a new commit that takes back the change REV made', 'reverted')
