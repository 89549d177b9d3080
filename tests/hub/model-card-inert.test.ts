// The model card published to the Hub, written from hostile names (a file name, a model name, a quality
// note and a command holding HTML, Markdown, table pipes, line breaks and a code fence), rendered by a real
// CommonMark + GFM-table renderer (markdown-it, raw HTML allowed and links auto-detected, as on the Hub):
// each name shows as its own text, nothing becomes an element or a link of its own, the table keeps its rows
// and cells, and the commands stay one code block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number];
import { buildModelCard, type CardInput } from '../../web/src/core/hub/model-card.ts';

const HOSTILE_FILE = 'www.evil.example https://evil.example a<img src=x onerror="alert(1)">|x](javascript:alert(1)) *b* `c`\n# h <script>alert(2)</script>-Q8_0.gguf';
const HOSTILE_SOURCE = 'm`</code><script>alert(3)</script>\n\n# not a heading https://evil.example/ www.evil.example';
const HOSTILE_QUALITY = '<b>q</b> | extra cell\n| --- |';
const HOSTILE_COMMAND = "llama-quantize 'in\n```\n<script>alert(4)</script>\n# h2' out.gguf Q8_0";
const SHA = 'ab'.repeat(32);

const md = new MarkdownIt({ html: true, linkify: true });

function cardOf(input: Partial<CardInput> = {}): string {
  return buildModelCard({
    repo: 'me/<i onclick="alert(5)">model-GGUF',
    sourceName: HOSTILE_SOURCE,
    outputs: [
      { type: 'Q8_0', files: [{ path: HOSTILE_FILE, size: 1234, sha256: SHA }], quality: HOSTILE_QUALITY, llamaCpp: HOSTILE_COMMAND },
      { type: 'Q4_K_M', files: [{ path: 'plain-Q4_K_M.gguf', size: 99, sha256: SHA }], llamaCpp: 'llama-quantize in.gguf plain-Q4_K_M.gguf Q4_K_M' },
    ],
    ...input,
  });
}

/** the card without its YAML front matter, which the Hub reads as data, not Markdown */
const body = (card: string) => card.replace(/^---\n[\s\S]*?\n---\n/, '');

const inlineText = (t: Token) => (t.children ?? []).filter((c) => c.type === 'text' || c.type === 'code_inline').map((c) => c.content).join('');

/** each table row as the text of its cells */
function tableRows(tokens: Token[]): string[][] {
  const rows: string[][] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].type === 'tr_open') rows.push([]);
    if (tokens[i].type === 'inline' && (tokens[i - 1]?.type === 'td_open' || tokens[i - 1]?.type === 'th_open')) rows.at(-1)!.push(inlineText(tokens[i]));
  }
  return rows;
}

const all = (tokens: Token[]): Token[] => tokens.flatMap((t) => [t, ...all(t.children ?? [])]);

test('hostile names in the model card render as their own text: no element, no link, an intact table and one code block', () => {
  const card = cardOf();
  const tokens = md.parse(body(card), {});
  const flat = all(tokens);

  assert.deepEqual(flat.filter((t) => t.type.startsWith('html')).map((t) => t.content), [], 'no raw HTML reaches the page');
  const html = md.render(body(card));
  assert.doesNotMatch(html, /<(script|img|b|i)\b/, 'no element made from a name');

  // only the card's own headings: the title and the commands' section
  assert.deepEqual(flat.filter((t) => t.type === 'heading_open').map((t) => t.tag), ['h1', 'h2']);
  assert.equal(inlineText(tokens[tokens.findIndex((t) => t.type === 'heading_open') + 1]), '<i onclick="alert(5)">model-GGUF', 'the title shows the repository name as text');

  // the table: a header and one row per file, four cells each, the file name shown as its text (line break escaped)
  const rows = tableRows(tokens);
  assert.deepEqual(rows.map((r) => r.length), [5, 5, 5]);
  assert.equal(rows[1][0], HOSTILE_FILE.replace('\n', '\\n'));
  assert.equal(rows[1][1], 'Q8_0');
  assert.equal(rows[1][3], SHA);
  assert.equal(rows[1][4], HOSTILE_QUALITY.replace('\n', '\\n'));
  assert.equal(rows[2][0], 'plain-Q4_K_M.gguf');

  // links: one per file, pointing at that file in the repository; nothing a name says became a link
  const links = flat.filter((t) => t.type === 'link_open').map((t) => String(t.attrGet('href')));
  assert.equal(links.length, 2, `links: ${links.join(' ')}`);
  assert.equal(decodeURIComponent(links[0]!.slice(2)), HOSTILE_FILE);
  assert.equal(links[1], './plain-Q4_K_M.gguf');

  // the source's name is shown in the sentence as code, as its text
  const sentence = flat.find((t) => t.type === 'code_inline' && t.content.startsWith('m`'));
  assert.equal(sentence?.content, HOSTILE_SOURCE.replaceAll('\n', '\\n'));

  // the commands are one code block holding them verbatim, each file's comment on one line
  const blocks = flat.filter((t) => t.type === 'fence' || t.type === 'code_block');
  assert.equal(blocks.length, 1);
  assert.equal(blocks[0].info, 'sh');
  assert.ok(blocks[0].content.includes(HOSTILE_COMMAND), 'the command is kept verbatim');
  assert.ok(blocks[0].content.startsWith(`# ${HOSTILE_FILE.replace('\n', '\\n')}\n`), 'a line break in a file name does not start a command');
});

test('a base model with parentheses and HTML in its name links to its repository and shows the name as text', () => {
  const card = cardOf({ baseModel: { repo: 'org/m(1)<b>', commit: 'c0ffee'.repeat(7).slice(0, 40), endpoint: 'http://127.0.0.1:9' } });
  const flat = all(md.parse(body(card), {}));
  assert.equal(flat.filter((t) => t.type.startsWith('html')).length, 0);
  const link = flat.findIndex((t) => t.type === 'link_open' && String(t.attrGet('href')).startsWith('http'));
  assert.equal(decodeURIComponent(String(flat[link].attrGet('href'))), 'http://127.0.0.1:9/org/m(1)<b>');
  assert.equal(flat[link + 1].content, 'org/m(1)<b>');
  assert.match(card, /^---\nbase_model: "org\/m\(1\)<b>"\n/, 'the front matter holds the name as a quoted YAML string');
});

test('ordinary names read as before', () => {
  const card = buildModelCard({
    repo: 'me/model-GGUF',
    sourceName: 'model-F16.gguf',
    outputs: [{ type: 'Q8_0', files: [{ path: 'model-Q8_0.gguf', size: 10, sha256: SHA }], llamaCpp: 'llama-quantize model-F16.gguf model-Q8_0.gguf Q8_0' }],
  });
  assert.equal(md.parse(body(card), {}).find((t) => t.type === 'inline')?.content, 'model\\-GGUF', 'the title');
  assert.match(md.render(body(card)), /<h1>model-GGUF<\/h1>/);
  assert.match(card, /GGUF files of `model-F16\.gguf`,/);
  assert.match(card, /\| \[model\\-Q8\\_0\\.gguf\]\(\.\/model-Q8_0\.gguf\) \| Q8_0 \|/);
  assert.match(card, /```sh\n# model-Q8_0\.gguf\nllama-quantize model-F16\.gguf model-Q8_0\.gguf Q8_0\n```/);
});
