import { applyCommand } from './apply.js'

export default applyCommand('cherry-pick', 'Apply the change REV made on top of HEAD, as a new commit', 'picked')
