/** `pnpm run tables`: runs folder → results tables (Markdown, optional CSV) in the paper's layout (spec §5, §6). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { groupRuns } from './aggregate.js';
import { buildTables, type TablesReport } from './build-tables.js';
import { loadRuns } from './load-runs.js';
import { renderMarkdown } from './markdown.js';
import { renderCsv } from './table-csv.js';

export interface TablesOptions {
  runs: string;
  /** Markdown file to write; none when undefined */
  out?: string;
  /** CSV file to write; none when undefined */
  csv?: string;
}

export interface TablesOutput {
  report: TablesReport;
  markdown: string;
  csv: string;
}

/** Loads the runs and renders the tables, without writing anything. */
export async function makeTables(runsDir: string): Promise<TablesOutput> {
  const { runs, skipped } = await loadRuns(runsDir);
  const report = buildTables(runsDir, groupRuns(runs), skipped);
  return { report, markdown: renderMarkdown(report), csv: renderCsv(report) };
}

async function writeText(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
}

/** Renders the tables and writes the requested files. */
export async function writeTables(opts: TablesOptions): Promise<TablesOutput> {
  const out = await makeTables(opts.runs);
  if (opts.out) await writeText(opts.out, out.markdown);
  if (opts.csv) await writeText(opts.csv, out.csv);
  return out;
}
