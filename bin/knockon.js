#!/usr/bin/env node
// The installed `knockon` command runs the bundled CLI (built by "npm run build").
import '../out/cli/knockon.js';
