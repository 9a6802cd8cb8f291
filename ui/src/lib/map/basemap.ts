// The offline basemap of the Daur region (docs/MAP.md): vector tiles in one PMTiles file and a
// shaded-relief image, both made at build time by scripts/basemap/build.py into
// ui/public/basemap/ and bundled with the app. Tiles are drawn by protomaps-leaflet with the
// rules below; nothing is fetched from the network.
import L from 'leaflet';
import { FileSource, PMTiles } from 'pmtiles';
import {
  CenteredTextSymbolizer,
  LineLabelSymbolizer,
  LineSymbolizer,
  OffsetTextSymbolizer,
  PolygonSymbolizer,
  leafletLayer,
  type Feature,
  type LabelRule,
  type PaintRule,
} from 'protomaps-leaflet';
import { backend } from '../backend';
import type { Locale } from '../i18n/index.svelte';

export const RELIEF_URL = '/basemap/relief.jpg';
/** The basemap's sources, as the map credits them. */
export const ATTRIBUTION = 'GSHHG · GeoNames · Natural Earth';
/** The zoom the tiles are cut at; closer zooms draw them larger. */
export const MAX_DATA_ZOOM = 10;

export const COLOURS = {
  water: '#9cc3dc',
  waterLine: '#5b97c2',
  border: '#7d3f7a',
  placeText: '#1f2a24',
  waterText: '#1e5a8a',
  halo: 'rgba(255,255,255,0.85)',
};

/** The name properties to try for a UI language, best first (`name_en` last of all). */
export function nameProps(locale: Locale): string[] {
  const own = { en: 'name_en', 'zh-CN': 'name_zh', ru: 'name_ru', mn: 'name_mn', kk: 'name_kk' }[locale];
  const next = locale === 'kk' || locale === 'mn' ? ['name_ru'] : [];
  return [...new Set([own, ...next, 'name_en'])];
}

/** The name a feature is labelled with in `locale`. */
export function featureName(props: Record<string, unknown>, locale: Locale): string | undefined {
  for (const k of nameProps(locale)) {
    const v = props[k];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

const FONT = "'Noto Sans', 'Noto Sans SC', sans-serif";
const num = (f: Feature | undefined, k: string) => Number(f?.props[k] ?? 0);

export function paintRules(): PaintRule[] {
  return [
    { dataLayer: 'water', symbolizer: new PolygonSymbolizer({ fill: COLOURS.water, opacity: 0.92 }) },
    {
      dataLayer: 'rivers',
      symbolizer: new LineSymbolizer({
        color: COLOURS.waterLine,
        width: (z: number, f?: Feature) => (f?.props.name_en ? 1.6 : 0.8) * (z >= 9 ? 1.6 : z >= 7 ? 1.2 : 1),
        lineJoin: 'round',
        lineCap: 'round',
        perFeature: true,
      }),
    },
    {
      dataLayer: 'boundaries',
      symbolizer: new LineSymbolizer({ color: COLOURS.border, width: 1.6, dash: [6, 3], dashColor: COLOURS.border, dashWidth: 1.6, opacity: 0.85 }),
    },
  ];
}

/**
 * Label rules for `locale`. When `painted` is given, each label's text is added to it as the
 * renderer paints it (after collisions are resolved), which is what the map's check reads.
 */
export function labelRules(locale: Locale, painted?: Set<string>): LabelRule[] {
  const labelProps = nameProps(locale);
  const rules: LabelRule[] = [
    {
      dataLayer: 'water_labels',
      symbolizer: new CenteredTextSymbolizer({ labelProps, fill: COLOURS.waterText, stroke: COLOURS.halo, width: 3, fontFamily: FONT, fontSize: 13, fontStyle: 'italic' }),
    },
    {
      dataLayer: 'rivers',
      filter: (_z, f) => typeof f.props.name_en === 'string',
      symbolizer: new LineLabelSymbolizer({ labelProps, fill: COLOURS.waterText, stroke: COLOURS.halo, width: 3, fontFamily: FONT, fontSize: 12, fontStyle: 'italic' }),
    },
    {
      dataLayer: 'places',
      sort: (a, b) => Number(b.population ?? 0) - Number(a.population ?? 0),
      symbolizer: new OffsetTextSymbolizer({
        labelProps,
        fill: COLOURS.placeText,
        stroke: COLOURS.halo,
        width: 3,
        fontFamily: FONT,
        fontSize: (z: number, f?: Feature) => (num(f, 'population') >= 100000 ? 15 : num(f, 'population') >= 10000 ? 13 : 11),
        fontWeight: (z: number, f?: Feature) => (num(f, 'population') >= 30000 ? 600 : 400),
        offsetX: 4,
        offsetY: 4,
      }),
    },
  ];
  if (!painted) return rules;
  return rules.map((rule) => ({ ...rule, symbolizer: recording(rule.symbolizer, locale, painted) }));
}

/** `inner`, noting in `painted` the text of each label it places as the label is painted. */
export function recording(inner: LabelRule['symbolizer'], locale: Locale, painted: Set<string>): LabelRule['symbolizer'] {
  return {
    place(layout, geom, feature) {
      const labels = inner.place(layout, geom, feature);
      const text = featureName(feature.props, locale);
      if (!labels || !text) return labels;
      return labels.map((l) => ({
        ...l,
        draw: (ctx: CanvasRenderingContext2D, extra?: Parameters<typeof l.draw>[1]) => {
          painted.add(text);
          l.draw(ctx, extra);
        },
      }));
    },
  };
}

/** The relief image's bounds, as the build wrote them beside it. */
export async function reliefBounds(): Promise<L.LatLngBoundsExpression> {
  const text = new TextDecoder().decode(await backend.basemapFile('relief.json'));
  const b = JSON.parse(text) as { south: number; west: number; north: number; east: number };
  return [
    [b.south, b.west],
    [b.north, b.east],
  ];
}

/**
 * The tiles, read whole into memory (about 1.5 MB) through the backend: the app's asset
 * protocol serves whole files to images only, not the byte ranges PMTiles asks a web server for.
 */
export async function openTiles(): Promise<PMTiles> {
  const bytes = await backend.basemapFile('daur.pmtiles');
  return new PMTiles(new FileSource(new File([bytes as BlobPart], 'daur.pmtiles')));
}

export interface Basemap {
  relief: L.ImageOverlay;
  tiles: L.GridLayer;
  pm: PMTiles;
}

/**
 * Adds the relief (in a pane beneath the tiles) and the vector tiles to `map`, labelled in
 * `locale`. Labels are laid out per language, so a new language needs a new tile layer.
 */
export async function addBasemap(map: L.Map, locale: Locale, painted?: Set<string>): Promise<Basemap> {
  if (!map.getPane('relief')) {
    const pane = map.createPane('relief');
    pane.style.zIndex = '150';
    pane.style.pointerEvents = 'none';
  }
  const [pm, bounds] = await Promise.all([openTiles(), reliefBounds()]);
  const relief = L.imageOverlay(RELIEF_URL, bounds, { pane: 'relief', opacity: 0.9, interactive: false }).addTo(map);
  const tiles = tileLayer(pm, locale, painted).addTo(map);
  return { relief, tiles, pm };
}

export function tileLayer(pm: PMTiles, locale: Locale, painted?: Set<string>): L.GridLayer {
  return leafletLayer({
    url: pm,
    maxDataZoom: MAX_DATA_ZOOM,
    paintRules: paintRules(),
    labelRules: labelRules(locale, painted),
    lang: locale,
    attribution: ATTRIBUTION,
  }) as unknown as L.GridLayer;
}
