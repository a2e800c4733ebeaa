#!/usr/bin/env node
import { main } from '../dist/main.js';

// a reader that stops early (`softshare inspect f.sws | head`) closes the pipe: that is
// the reader's choice, not an error worth a stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await main(process.argv.slice(2));
