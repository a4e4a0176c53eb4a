import { describe, expect, it } from 'vitest';
import { ratingHtml } from './stars-html.js';

const FULL = '<span class="glyphicon glyphicon-star"></span>';
const EMPTY = '<span class="glyphicon glyphicon-star-empty"></span>';

describe('ratingHtml', () => {
  it.each([0, 1, 2, 3, 4, 5])('%i stars: that many full stars, the rest empty, in the colour', (stars) => {
    expect(ratingHtml({ stars, color: 'black' })).toBe(`<font color="black">${FULL.repeat(stars)}${EMPTY.repeat(5 - stars)}</font>`);
  });

  it('no rating, no markup', () => {
    expect(ratingHtml(undefined)).toBe('');
  });

  it('an error rating is shown as text, escaped, without stars', () => {
    const html = ratingHtml({ error: 'Ratings <down>' });
    expect(html).toBe('<p><i>Ratings &lt;down&gt;</i></p>');
  });

  it('clamps stars into 0..5 and escapes the colour', () => {
    expect(ratingHtml({ stars: 12, color: 'red' })).toBe(`<font color="red">${FULL.repeat(5)}</font>`);
    expect(ratingHtml({ stars: -3, color: 'red' })).toBe(`<font color="red">${EMPTY.repeat(5)}</font>`);
    expect(ratingHtml({ stars: 1, color: '"onmouseover=x' })).toContain('<font color="&quot;onmouseover=x">');
  });
});
