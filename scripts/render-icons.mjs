#!/usr/bin/env node
// Regenerates every PNG under assets/ from the SVG sources, so the icons are reproducible:
//
//   assets/icon.svg         the mark (macOS-style grid: 824 px body in a 1024 canvas)
//   assets/icon-small.svg   the same mark hand-tuned for 16 and 32 px (full bleed, no arrow)
//   -> assets/icon.png                  1024x1024, electron-builder's source for .icns and .ico
//   -> assets/icons/NxN.png             Linux icon set (16..512)
//   -> assets/tray/<state>[@2x].png     coloured tray icons (Windows, Linux), 16 px and 32 px
//   -> assets/tray/<state>Template[@2x].png  monochrome macOS template images (black + alpha)
//      states: idle, building, failed. Electron picks the @2x file on HiDPI screens by itself.
//
// Renders with Chromium through playwright-core (a devDependency): Debian's `chromium` package, or
// the browser named by BUILDDECK_CHROMIUM. Run: node scripts/render-icons.mjs

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSETS = join(ROOT, 'assets');
const CHROMIUM = process.env.BUILDDECK_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const APP_ICON_SIZES = [16, 32, 48, 64, 128, 256, 512];
const SMALL_ICON_MAX = 32; // up to this size the hand-tuned small mark is used

// ---------------------------------------------------------------------------------------------
// Tray icons. Drawn on a 16-unit grid so the 16 px rendering lands on whole pixels.

const BLUE = '#2563EB';
const TEAL = '#0D9488';
const AMBER = '#F59E0B';
const RED = '#DC2626';

// The deck as a glyph: the top layer filled, the two below it as chevrons.
const DECK_GLYPH = `
  <path d="M8 1.5 L14.5 4.75 L8 8 L1.5 4.75 Z" stroke-width="1" stroke-linejoin="round"/>
  <path d="M1.75 8.25 L8 11.375 L14.25 8.25" fill="none" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/>
  <path d="M1.75 11.5 L8 14.625 L14.25 11.5" fill="none" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/>`;

// The status badge sits in the bottom-right corner; the art under it is cut away with a small gap.
const BADGE = { cx: 12, cy: 12, r: 3.75, gap: 1.6 };

function badgeCutMask(id) {
  return `<mask id="${id}" maskUnits="userSpaceOnUse" x="0" y="0" width="16" height="16">
    <rect width="16" height="16" fill="#fff"/>
    <circle cx="${BADGE.cx}" cy="${BADGE.cy}" r="${BADGE.r + BADGE.gap}" fill="#000"/>
  </mask>`;
}

/** A cross (failed) or a three-quarter ring (building) inside the badge, as path data. */
function crossPath() {
  const d = 1.5;
  const { cx, cy } = BADGE;
  return `M${cx - d} ${cy - d} L${cx + d} ${cy + d} M${cx + d} ${cy - d} L${cx - d} ${cy + d}`;
}

function spinnerPath(r) {
  const { cx, cy } = BADGE;
  // From 12 o'clock clockwise to 9 o'clock.
  return `M${cx} ${cy - r} A${r} ${r} 0 1 1 ${cx - r} ${cy}`;
}

function svg16(body) {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="16" height="16">${body}</svg>`;
}

/** Coloured tray icon: the small app mark, with a coloured status badge. */
function trayColour(state) {
  const hasBadge = state !== 'idle';
  const defs = `<defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${BLUE}"/><stop offset="1" stop-color="${TEAL}"/>
    </linearGradient>
    ${badgeCutMask('cut')}
  </defs>`;
  const mark = `<g ${hasBadge ? 'mask="url(#cut)"' : ''}>
    <rect width="16" height="16" rx="3.5" fill="url(#bg)"/>
    <g fill="#fff" stroke="#fff" transform="translate(8 8.2) scale(0.78) translate(-8 -8)">${DECK_GLYPH}</g>
  </g>`;
  let badge = '';
  if (state === 'building') {
    badge = `<circle cx="${BADGE.cx}" cy="${BADGE.cy}" r="${BADGE.r}" fill="${AMBER}"/>
      <path d="${spinnerPath(1.9)}" fill="none" stroke="#fff" stroke-width="1.2" stroke-linecap="round"/>`;
  } else if (state === 'failed') {
    badge = `<circle cx="${BADGE.cx}" cy="${BADGE.cy}" r="${BADGE.r}" fill="${RED}"/>
      <path d="${crossPath()}" fill="none" stroke="#fff" stroke-width="1.3" stroke-linecap="round"/>`;
  }
  return svg16(defs + mark + badge);
}

/** macOS template image: black and alpha only; the menu bar tints it for light and dark mode. */
function trayTemplate(state) {
  const hasBadge = state !== 'idle';
  const defs = `<defs>${badgeCutMask('cut')}
    <mask id="cross" maskUnits="userSpaceOnUse" x="0" y="0" width="16" height="16">
      <rect width="16" height="16" fill="#fff"/>
      <path d="${crossPath()}" fill="none" stroke="#000" stroke-width="1.3" stroke-linecap="round"/>
    </mask>
  </defs>`;
  const glyph = `<g fill="#000" stroke="#000" ${hasBadge ? 'mask="url(#cut)"' : ''}>${DECK_GLYPH}</g>`;
  let badge = '';
  if (state === 'building') {
    badge = `<path d="${spinnerPath(BADGE.r - 0.75)}" fill="none" stroke="#000" stroke-width="1.5" stroke-linecap="round"/>`;
  } else if (state === 'failed') {
    badge = `<circle cx="${BADGE.cx}" cy="${BADGE.cy}" r="${BADGE.r}" fill="#000" mask="url(#cross)"/>`;
  }
  return svg16(defs + glyph + badge);
}

// ---------------------------------------------------------------------------------------------

function pngSize(file) {
  const buf = readFileSync(file);
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

async function main() {
  if (!existsSync(CHROMIUM)) {
    console.error(
      `render-icons: no Chromium at ${CHROMIUM}. Install Debian's \`chromium\` package or set BUILDDECK_CHROMIUM.`,
    );
    process.exit(1);
  }
  const iconSvg = readFileSync(join(ASSETS, 'icon.svg'), 'utf8');
  const smallSvg = readFileSync(join(ASSETS, 'icon-small.svg'), 'utf8');

  /** [svg text, pixel size, output path] */
  const jobs = [[iconSvg, 1024, join(ASSETS, 'icon.png')]];
  for (const size of APP_ICON_SIZES) {
    jobs.push([size <= SMALL_ICON_MAX ? smallSvg : iconSvg, size, join(ASSETS, 'icons', `${size}x${size}.png`)]);
  }
  for (const state of ['idle', 'building', 'failed']) {
    for (const [suffix, scale] of [
      ['', 16],
      ['@2x', 32],
    ]) {
      jobs.push([trayColour(state), scale, join(ASSETS, 'tray', `${state}${suffix}.png`)]);
      jobs.push([trayTemplate(state), scale, join(ASSETS, 'tray', `${state}Template${suffix}.png`)]);
    }
  }

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    for (const [svg, size, out] of jobs) {
      const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
      await page.setViewportSize({ width: size, height: size });
      await page.setContent(
        `<!doctype html><style>html,body{margin:0;background:transparent}img{display:block}</style>` +
          `<img src="${src}" width="${size}" height="${size}">`,
      );
      await page.locator('img').evaluate((img) => img.decode());
      const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, png);
      const { width, height } = pngSize(out);
      if (width !== size || height !== size) {
        throw new Error(`${relative(ROOT, out)} came out ${width}x${height}, expected ${size}x${size}`);
      }
      console.log(`render-icons: ${relative(ROOT, out)} (${size}x${size})`);
    }
  } finally {
    await browser.close();
  }
}

await main();
