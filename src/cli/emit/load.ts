// Load a values module and return its default export, whatever the type of the consumer's package.
//
// Usage: const values = await loadDefaultExport('values/uat.ts');   // InputError when unusable
//
// - .ts, .mts and .cts modules load as ES modules (Node's type stripping): a default `npm init -y`
//   project is `"type": "commonjs"`, where Node would run values/uat.ts as CommonJS and fail on its
//   `import`. A resolve hook (module.registerHooks, Node 22.15+) loads every TypeScript file of
//   the consumer's own (outside node_modules) as an ES module, the values module and the .ts files
//   it imports alike. They are written with import/export, as TypeScript has them.
// - .js, .mjs and .cjs load as Node loads them; a CommonJS module compiled by tsc
//   (`exports.default = …`, `__esModule`) gives its `default`.
// - Node without type stripping (Node 20; 22 before 22.18 without a flag) cannot run TypeScript:
//   an InputError says so, with the fix (a newer Node, or the module as .mjs).
import * as nodeModule from 'node:module';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../../errors.ts';
import { isValuesValidationError } from '../../values/check.ts';

export const TYPESCRIPT_EXTENSIONS = ['.ts', '.mts', '.cts'] as const;
export const JAVASCRIPT_EXTENSIONS = ['.js', '.mjs', '.cjs'] as const;
export const MODULE_EXTENSIONS = [...TYPESCRIPT_EXTENSIONS, ...JAVASCRIPT_EXTENSIONS] as const;

/** The module's default export. Errors of the module (syntax, imports, a throw) become InputErrors. */
export async function loadDefaultExport(file: string): Promise<unknown> {
  const typescript = (TYPESCRIPT_EXTENSIONS as readonly string[]).includes(extname(file).toLowerCase());
  if (typescript) {
    if (!process.features.typescript) throw noTypeStripping(file);
    loadTypeScriptAsModules();
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  } catch (error) {
    if (isValuesValidationError(error)) throw error;
    throw new InputError(`${file}: cannot load the values module: ${oneLine(error)}`, fixFor(error));
  }
  const value = compiledDefault(module.default);
  if (value === undefined) {
    throw new InputError(
      `${file}: the module has no default export`,
      'end it with `export default defineValues({ … })` (import { defineValues } from "fineract-netpol")',
    );
  }
  return value;
}

function noTypeStripping(file: string): InputError {
  const mjs = `${file.slice(0, -extname(file).length)}.mjs`;
  return new InputError(
    `${file}: Node.js ${process.version} cannot load TypeScript (type stripping needs Node.js 22.18+ or 23.6+)`,
    `run emit with Node.js 22.18+ (24 LTS recommended), or write the module as JavaScript in ${mjs} ` +
      '(the same code without type annotations; `// @ts-check` on its first line keeps the editor checking it)',
  );
}

let hooked = false;

/** Registers, once per process, the resolve hook that loads the consumer's TypeScript as ES modules. */
function loadTypeScriptAsModules(): void {
  // registerHooks is missing before Node 22.15 / 23.5; Node then keeps its own rule (package type).
  if (hooked || typeof nodeModule.registerHooks !== 'function') return;
  hooked = true;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      const consumers = resolved.url.startsWith('file:') && !resolved.url.includes('/node_modules/');
      if (consumers && resolved.format === 'commonjs-typescript') return { ...resolved, format: 'module-typescript' };
      return resolved;
    },
  });
}

/** A CommonJS module compiled from TypeScript (`exports.default = …` beside `__esModule`) gives its default. */
function compiledDefault(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && (value as { __esModule?: unknown }).__esModule === true) {
    return (value as { default?: unknown }).default;
  }
  return value;
}

function fixFor(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : '';
  switch (code) {
    case 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX':
    case 'ERR_INVALID_TYPESCRIPT_SYNTAX':
      return 'Node strips types but does not transform: use only erasable syntax (no enum, namespace or constructor parameter properties)';
    case 'ERR_UNKNOWN_FILE_EXTENSION':
      return 'run on Node.js 22.18+ or 23.6+, which loads .ts files without flags';
    case 'ERR_MODULE_NOT_FOUND':
      return 'install the packages the module imports in its project (npm install --save-dev fineract-netpol)';
    default:
      if (/\b(require|module|exports) is not defined in ES module scope/.test(message)) {
        return 'TypeScript values modules load as ES modules: write `import … from` and `export default`, not require() and module.exports';
      }
      return undefined;
  }
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
