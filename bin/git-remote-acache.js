#!/usr/bin/env node
// git runs this for remotes written acache::WHERE (gitremote-helpers(7)).
'use strict'
globalThis.__acacheEntry = 'remoteHelper'
require('./acache.js')
