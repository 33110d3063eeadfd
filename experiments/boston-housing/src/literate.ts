/**
 * The walkthrough's code blocks are regions of the sources: `<!-- include: src/file.ts#name -->` before a
 * ```ts block names the `// #region name` … `// #endregion name` it must equal. `pnpm --filter
 * @bmse/tutorial-boston-housing run docs` rewrites the blocks from the sources; the test compares them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const INCLUDE = /<!-- include: (\S+)#(\S+) -->\n```ts\n([\s\S]*?)```/g;

export function region(root: string, file: string, name: string): string {
  const src = readFileSync(resolve(root, file), 'utf8');
  const m = new RegExp(`// #region ${name}\\n([\\s\\S]*?)// #endregion ${name}`).exec(src);
  if (!m) throw new Error(`${file} has no region '${name}'`);
  return m[1];
}

/** [file, region name, the block's text] for every include of the Markdown. */
export function includes(markdown: string): [string, string, string][] {
  return [...markdown.matchAll(INCLUDE)].map((m) => [m[1], m[2], m[3]]);
}

export function syncIncludes(root: string, markdown: string): string {
  return markdown.replace(
    INCLUDE,
    (_all, file: string, name: string) =>
      `<!-- include: ${file}#${name} -->\n\`\`\`ts\n${region(root, file, name)}\`\`\``,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const root = resolve(import.meta.dirname, '..');
  const readme = resolve(root, 'README.md');
  writeFileSync(readme, syncIncludes(root, readFileSync(readme, 'utf8')));
  console.log(`synced the code blocks of ${readme}`);
}
