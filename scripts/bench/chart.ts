/**
 * bench/curves.png: the scaling curves as small line charts. vega-lite compiles the spec, vega renders it to SVG
 * headless (View.toSVG(), no canvas), and Debian's Chromium (playwright-core, as the e2e harness runs it) takes the
 * PNG screenshot of that SVG.
 */
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../../test/e2e/harness';

export interface CurvePoint {
  /** The chart's panel, e.g. "activation + first tree render (ms)". */
  panel: string;
  /** The line within the panel, e.g. "require + activate". */
  series: string;
  x: number;
  y: number;
}

// vega and vega-lite are ES modules; tsc emits CommonJS, whose import() would become require().
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;

export async function curvesSvg(points: CurvePoint[]): Promise<string> {
  const vegaLite = (await importEsm('vega-lite')) as { compile(spec: unknown): { spec: unknown } };
  const vega = (await importEsm('vega')) as {
    parse(spec: unknown): unknown;
    View: new (runtime: unknown, options: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void };
  };
  const panels = [...new Set(points.map((p) => p.panel))];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: { font: 'sans-serif', view: { stroke: '#ccc' } },
    hconcat: panels.map((panel) => ({
      title: panel,
      width: 230,
      height: 170,
      data: { values: points.filter((p) => p.panel === panel) },
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'x',
          type: 'quantitative',
          scale: { type: 'log' },
          title: panel.startsWith('stream') ? 'rows' : panel.startsWith('schema') ? 'tables' : 'connections',
        },
        y: { field: 'y', type: 'quantitative', scale: { type: 'log' }, title: panel.replace(/^.*\((.*)\)$/, '$1') },
        color: { field: 'series', type: 'nominal', legend: { orient: 'bottom', columns: 1, title: null } },
      },
      resolve: { scale: { color: 'independent' } },
    })),
    resolve: { scale: { color: 'independent' } },
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes the SVG and its PNG (a screenshot of the SVG in Chromium). */
export async function writeCurvesChart(points: CurvePoint[], svgFile: string, pngFile: string): Promise<void> {
  const svg = await curvesSvg(points);
  writeFileSync(svgFile, svg);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 2 });
    await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${svg}</body></html>`);
    await page.locator('svg').first().screenshot({ path: pngFile });
  } finally {
    await browser.close();
  }
}
