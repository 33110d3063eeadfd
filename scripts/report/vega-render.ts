/** Vega-Lite spec → Vega (vega-lite compile) → SVG (vega View, no renderer) → PNG (resvg); writes .vl.json, .svg and .png. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A font Debian ships (fonts-dejavu-core); resvg falls back to any system font, and draws no text without one. */
export const FONT = 'DejaVu Sans';

/** PNG pixels per SVG unit. */
export const PNG_SCALE = 2;

export interface RenderedFigure {
  svg: string;
  png: Buffer;
  /** SVG size (PNG size is PNG_SCALE times it) */
  width: number;
  height: number;
}

/** Renders a Vega-Lite spec to SVG; the spec is copied first because vega tags inline data rows in place. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(structuredClone(spec)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string, scale = PNG_SCALE): { png: Buffer; width: number; height: number } {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT },
    background: 'white',
  });
  return { png: resvg.render().asPng(), width: resvg.width, height: resvg.height };
}

export async function renderFigure(spec: TopLevelSpec): Promise<RenderedFigure> {
  const svg = await renderSvg(spec);
  const { png, width, height } = svgToPng(svg);
  return { svg, png, width, height };
}

/** The text of a `.vl.json` file: the spec as pretty JSON with a final newline. */
export function specText(spec: TopLevelSpec): string {
  return `${JSON.stringify(spec, null, 2)}\n`;
}

/** Writes `<name>.vl.json`, `<name>.svg` and `<name>.png` into `outDir`; returns the paths. */
export async function writeFigure(outDir: string, name: string, spec: TopLevelSpec): Promise<string[]> {
  const fig = await renderFigure(spec);
  await fs.mkdir(outDir, { recursive: true });
  const files = [`${name}.vl.json`, `${name}.svg`, `${name}.png`].map((f) => path.join(outDir, f));
  await fs.writeFile(files[0], specText(spec));
  await fs.writeFile(files[1], fig.svg);
  await fs.writeFile(files[2], fig.png);
  return files;
}
