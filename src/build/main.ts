// `npm run build`: regenerate chart/, schema/ and the README's values reference from src/.
// `npm run build -- --check`: change nothing; exit 1 listing every stale generated file (CI).
import { generate, type GeneratedFile } from './generate.ts';
import { generateValidator } from './validator.ts';
import { findStale, writeGenerated } from './write.ts';

async function main(args: string[]): Promise<number> {
  const files = withValidator(await generate());
  if (args.includes('--check')) {
    const stale = findStale(files);
    if (stale.length === 0) {
      console.log(`build: all ${files.length} generated files are fresh.`);
      return 0;
    }
    console.error(
      `build: ${stale.length} generated file(s) are stale:\n${stale.map((p) => `  ${p}`).join('\n')}\nRun \`npm run build\` and commit the result.`,
    );
    return 1;
  }
  const changed = writeGenerated(files);
  console.log(
    changed.length === 0 ? `build: ${files.length} files, all up to date.` : `build: wrote ${changed.join(', ')}`,
  );
  return 0;
}

/**
 * The files of generate() and the Ajv validator compiled from the JSON Schema among them: it is
 * derived from that file's text (src/build/validator.ts), so it is stale whenever the schema is.
 */
function withValidator(files: GeneratedFile[]): GeneratedFile[] {
  const schema = files.find((f) => f.path === 'schema/values.schema.json');
  if (!schema) throw new Error('generate() made no schema/values.schema.json');
  return [...files, ...generateValidator(schema.content)].sort((a, b) => a.path.localeCompare(b.path));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
