#!/usr/bin/env node
// The `fineract-netpol` bin: turns on Node's compile cache, then runs the command line
// (program.ts). The cache keeps V8's compiled code of every module loaded after this line, so
// that a command's second run compiles nothing: the modules are loaded by the dynamic import
// below, after the cache is on (static imports would be compiled before it).
// Node ≥ 22.1 has module.enableCompileCache (in os.tmpdir(), or NODE_COMPILE_CACHE; off with
// NODE_DISABLE_COMPILE_CACHE=1); on Node 20 the command runs without it.
import module from 'node:module';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./program.ts');
