// Parse every ```mermaid block of the given Markdown files with Mermaid's own parser.
// Usage: node check-mermaid.mjs FILE.md...   (mermaid and jsdom resolvable from NODE_PATH/cwd)
// Exit 1 naming the file, the block and Mermaid's message when a block does not parse.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');

let blocks = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)];
  for (const [i, match] of found.entries()) {
    blocks += 1;
    try {
      await mermaid.parse(match[1]);
    } catch (err) {
      failed += 1;
      console.error(`${file}: mermaid block ${i + 1}: ${String(err.message).split('\n')[0]}`);
    }
  }
}
console.log(`mermaid: ${blocks} block(s) read, ${failed} did not parse`);
if (blocks === 0 || failed > 0) process.exit(1);
