// Screenshots that a test checks are not blank: the PNG is drawn on a canvas in the page and its colours
// counted. A blank (or one-colour) screenshot has one or two; a drawn screen has hundreds.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS } from './harness.mjs';

/** Saves test-artifacts/<name>.png and returns how many distinct colours it has (sampled). */
export async function screenshotColours(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const png = await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  const probe = await page.context().newPage();
  try {
    return await probe.evaluate(async (b64) => {
      const img = new Image();
      img.src = 'data:image/png;base64,' + b64;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data, seen = new Set();
      for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size;
    }, png.toString('base64'));
  } finally {
    await probe.close();
  }
}
