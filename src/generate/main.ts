// `npm run build`: regenerate chart/, schema/ and the README's values reference from src/.
// `npm run build -- --check`: change nothing; exit 1 listing every stale generated file (CI).
import { generate } from './generate.ts';
import { findStale, writeGenerated } from './write.ts';

async function main(args: string[]): Promise<number> {
  const files = await generate();
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
